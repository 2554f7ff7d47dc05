"""Time words inside a search query: "lunch with Ana last week", "camping in June",
"what happened on 8 May 2023", "yesterday", "hikes last summer", "the week after 3 May".

`parse_query` takes the first time expression that names a period, resolves it against `now`
(the person's local time) into a `TimeWindow`, and returns the query without those words. The
retriever filters on each memory's `occurred_at`. A month or day without a year ("in June",
"on 8 May") means that month or day in any year. Words that name no period stay in the query:
a rule ("every Monday"), a bare time ("at 9pm"), a holiday's name (its messages say it, and
are written days before or after it), a season of no particular year (its months depend on
the hemisphere), a purpose ("plans for the summer": said before the summer), and a period
relative to something that is not a date ("the week after the party"), which is kept as
`ParsedQuery.relation` for a retriever that can find the party first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from app.timewords.nodes import (
    Clock,
    Context,
    Day,
    Holiday,
    Month,
    Offset,
    Rolling,
    Season,
    Shift,
    Timed,
    resolve,
)
from app.timewords.scan import BOUNDING, Found, scan


@dataclass(frozen=True)
class TimeWindow:
    """Where in time to look. `since` inclusive, `until` exclusive; `month` (and `day`) match
    that calendar month (day) of any year, in local time."""

    since: datetime | None = None
    until: datetime | None = None
    month: int | None = None
    day: int | None = None
    phrase: str = ""


@dataclass(frozen=True)
class Relation:
    """ "the week after the party": a period next to something a search must find first."""

    unit: str  # day | week | weekend | month | year | wdN (a weekday)
    count: int | None
    after: bool
    anchor: str
    phrase: str


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    window: TimeWindow | None
    relation: Relation | None = None


def parse_query(query: str, now: datetime | None = None) -> ParsedQuery:
    """The query without its first time expression, and the window that expression means."""
    now = now or datetime.now().astimezone()
    relation: Relation | None = None
    for item in scan(query):
        node = item.node
        if isinstance(node, Shift) and node.anchor and relation is None:
            unit, count = node.unit, node.count
            relation = Relation(unit, count, node.after, node.anchor, item.text)
            continue
        window = _window(item, now)
        if window is None:
            continue
        after = re.sub(r"^['’]s\b", "", query[item.end :])  # "next year's festival"
        rest = (query[: item.start] + " " + after).strip()
        rest = re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", rest)).strip(" ,")
        return ParsedQuery(rest, window, relation)
    return ParsedQuery(query, None, relation)


def _window(item: Found, now: datetime) -> TimeWindow | None:
    node, prep, phrase = item.node, item.prep, " ".join(item.text.split())
    if item.recurring or isinstance(node, Clock | Holiday):
        return None  # a holiday's name is what its messages say: it stays a word to search
    if prep == "for" and not isinstance(node, Rolling):
        return None  # "plans for the summer": said before the summer, not during it
    if isinstance(node, Offset) and node.unit in ("hour", "minute"):
        return None
    bounded = prep in BOUNDING
    if not bounded:
        any_year = _any_year(node.base if isinstance(node, Timed) else node)
        if any_year is not None:
            month, day = any_year
            return TimeWindow(month=month, day=day, phrase=phrase) if month else None
    tense = "past" if bounded else item.tense
    span = resolve(node, Context(now, tense))
    if span is None:
        return None
    if isinstance(node, Rolling) and span.exact is not None:
        return TimeWindow(since=span.exact, until=None, phrase=phrase)
    start, end = _moment(span.first, now), _moment(span.end, now)
    if isinstance(node, Rolling):
        start = now
    since, until = _bounded(prep, start, end)
    return TimeWindow(since=since, until=until, phrase=phrase)


def _any_year(node: object) -> tuple[int | None, int | None] | None:
    """(month, day) for words that name a date of any year; (None, None) for a season."""
    if isinstance(node, Day) and node.year is None and node.month is not None:
        return node.month, node.day
    if isinstance(node, Month) and node.year is None and node.which is None:
        return node.month, None
    if isinstance(node, Season) and node.year is None and node.which is None:
        return None, None  # "during the summer": which months depends on the hemisphere
    return None


def _moment(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time(0), tzinfo=now.tzinfo)


def _bounded(prep: str, start: datetime, end: datetime) -> tuple[datetime | None, ...]:
    """Apply a leading since/before/after/until to a resolved span."""
    if prep == "since":
        return start, None
    if prep == "after":
        return end, None
    if prep == "before":
        return None, start
    if prep in ("until", "till", "til", "by"):
        return None, end
    return start, end
