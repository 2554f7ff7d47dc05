"""Moments people type into a command or a form: "2024-05-08", "yesterday", "3 days ago",
"last Monday", "May 2024", "2023-05-08 14:00"; and a birthday written in a form field in any
of the usual ways ("12 April 1990", "April 12, 1990", "12.04.1990", "12 de abril de 1990")."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from app.errors import InvalidInput
from app.timewords.nodes import Context, Day, Rolling, Span, Timed, resolve
from app.timewords.scan import BOUNDING, scan
from app.timewords.vocab import NUMBERS

_AGO = re.compile(
    r"^(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s*"
    r"(minute|hour|day|week|month|year)s?\s+ago$"
)
_UNIT = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def local_now() -> datetime:
    return datetime.now().astimezone()


def _words(raw: str, now: datetime) -> Span | None:
    """A span when the whole text is one time expression ("last week", "1 May 2024")."""
    found = scan(raw, context=False)
    if len(found) != 1 or found[0].prep in BOUNDING or found[0].recurring:
        return None
    item = found[0]
    if raw[: item.start].strip() or raw[item.end :].strip(" ."):
        return None
    return resolve(item.node, Context(now, "past"))


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """A timezone-aware moment. Naive input means the person's local time."""
    return _parse(text, now or local_now())[0]


def _parse(text: str, now: datetime) -> tuple[datetime, Span | None]:
    raw = text.strip()
    value = raw.lower()
    if not value:
        raise InvalidInput("A date or time is empty.")
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    if value == "now":
        return now, None
    if value == "today":
        return midnight, None
    match = _AGO.match(value)
    if match:  # an exact moment back from now, not a calendar day
        try:
            count = NUMBERS.get(match.group(1)) or int(match.group(1))
            return now - count * _UNIT[match.group(2)], None
        except OverflowError:
            raise InvalidInput(f"The date {raw!r} is too far back.") from None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        span = _words(raw, now)
        if span is None:
            raise InvalidInput(
                f"Cannot read the date {raw!r}; use ISO form like 2024-05-08 or 2024-05-08T14:30, "
                "or words like 'yesterday', '3 days ago', 'last Monday' or 'May 2024'."
            ) from None
        start = span.exact or datetime.combine(span.first, span.at or time(0), tzinfo=now.tzinfo)
        return start, span
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return moment, None


def parse_bound(text: str, *, end: bool, now: datetime | None = None) -> datetime:
    """A range bound. An end given as a day or a period ("2024-05-08", "yesterday", "last
    week", "May 2024") includes all of it; an end with a time of day is that moment."""
    now = now or local_now()
    moment, span = _parse(text, now)
    if not end:
        return moment
    stripped = text.strip()
    try:
        if _DATE_ONLY.match(stripped) or stripped.lower() == "today":
            return moment + timedelta(days=1)
        if span is not None and span.precision != "time":
            return now if span.exact else datetime.combine(span.end, time(0), tzinfo=now.tzinfo)
    except OverflowError:
        raise InvalidInput(f"The date {stripped!r} is out of range.") from None
    return moment


def parse_date(text: str) -> date | None:
    """A calendar date written the usual ways: ISO, '12 April 1990', 'April 12, 1990', 12/04/1990
    (day first, as most of the world writes it, unless the first number cannot be a day), with
    month names in several languages. None unless day, month and year are all there."""
    plain = unicodedata.normalize("NFKD", text.strip())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    for item in scan(plain, forms=True, context=False):
        node = item.node.base if isinstance(item.node, Timed) else item.node
        if isinstance(node, Day) and node.year is not None and node.month is not None:
            span = resolve(node, Context(datetime(node.year, 1, 1)))
            return span.first if span is not None else None
        if isinstance(node, Rolling):
            continue
    return None
