"""Moments people type: ISO dates, "yesterday", "3 days ago", "2023-05-08 14:00"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from app.errors import InvalidInput

_AGO = re.compile(r"^(\d+)\s*(minute|hour|day|week|month|year)s?\s+ago$")
_UNIT = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}


def local_now() -> datetime:
    return datetime.now().astimezone()


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """A timezone-aware moment. Naive input means the person's local time."""
    raw = text.strip()
    value = raw.lower()
    now = now or local_now()
    if not value:
        raise InvalidInput("A date or time is empty.")
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    if value == "now":
        return now
    if value == "today":
        return midnight
    if value == "yesterday":
        return midnight - timedelta(days=1)
    if value == "tomorrow":
        return midnight + timedelta(days=1)
    match = _AGO.match(value)
    if match:
        try:
            return now - int(match.group(1)) * _UNIT[match.group(2)]
        except OverflowError:
            raise InvalidInput(f"The date {raw!r} is too far back.") from None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"Cannot read the date {raw!r}; use ISO form like 2024-05-08 or 2024-05-08T14:30, "
            "or words like 'yesterday' or '3 days ago'."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return moment


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_bound(text: str, *, end: bool, now: datetime | None = None) -> datetime:
    """A range bound. An end given as a bare day ("2024-05-08", "yesterday") includes that day."""
    moment = parse_moment(text, now=now)
    whole_day = _DATE_ONLY.match(text.strip()) or text.strip().lower() in {
        "today",
        "yesterday",
        "tomorrow",
    }
    if end and whole_day:
        try:
            moment += timedelta(days=1)
        except OverflowError:
            raise InvalidInput(f"The date {text.strip()!r} is out of range.") from None
    return moment
