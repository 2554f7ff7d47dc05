"""The time words answers need (month and weekday names, dates in a text resolved against when it
was written), read from `app.timewords`, which owns them."""

from __future__ import annotations

from app.timewords import find_dates
from app.timewords.vocab import ENGLISH

MONTHS: dict[str, int] = dict(ENGLISH.months)
WEEKDAYS: dict[str, int] = dict(ENGLISH.weekdays)

__all__ = ["MONTHS", "WEEKDAYS", "find_dates"]
