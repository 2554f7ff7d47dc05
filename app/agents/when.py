"""The time words answers need (month and weekday names, dates in a text resolved against when it
was written), from the module that owns them: `app.timewords` where this checkout has it, the
older `app.agents.dates` before that merge. Merging drops the fallback."""

from __future__ import annotations

try:
    from app.timewords import find_dates
    from app.timewords.vocab import ENGLISH

    MONTHS: dict[str, int] = dict(ENGLISH.months)
    WEEKDAYS: dict[str, int] = dict(ENGLISH.weekdays)
except ImportError:  # pragma: no cover - before app.timewords (issue 14) is merged
    from app.agents.dates import MONTHS, WEEKDAYS, find_dates  # type: ignore[no-redef]

__all__ = ["MONTHS", "WEEKDAYS", "find_dates"]
