"""Whether a memory fits a period: said in it, or saying a date in it.

A period in a query ("in April", "last summer") used to filter on when a memory was said. Plans
are said before ("the band goes to Quebec in April", written in January) and news after ("we
got back on the 15th", written a week later), so a memory also fits when a date it mentions,
read against when it was said, falls in the period. Pure functions; `find_dates` reads about a
tenth of a millisecond a message, so only the few candidates a search ranks are read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.timewords import TimeWindow, find_dates
from app.timewords.nodes import Context, Day, Shift, resolve
from app.timewords.query import Relation


@dataclass(frozen=True)
class Fit:
    """How a memory fits a period: `said` (its time) or `mentions` (a date in its text)."""

    how: str  # said | mentions | outside
    label: str = ""  # the date as the memory says it, for `mentions`


def _local(moment: datetime) -> datetime:
    return moment.astimezone() if moment.tzinfo is not None else moment


def window_days(window: TimeWindow) -> tuple[date | None, date | None]:
    """The window's first day and the day after its last (None: open)."""
    since = _local(window.since).date() if window.since is not None else None
    until = _local(window.until).date() if window.until is not None else None
    if until is not None and window.until is not None and _local(window.until).time() != time(0):
        until += timedelta(days=1)
    return since, until


def _overlaps(first: date, end: date, window: TimeWindow) -> bool:
    """Whether days [first, end) meet the window."""
    if window.month is not None:
        day = first
        while day < end and day < first + timedelta(days=366):
            if day.month == window.month and (window.day is None or day.day == window.day):
                return True
            day += timedelta(days=1)
        return False
    since, until = window_days(window)
    return (since is None or end > since) and (until is None or first < until)


def local_day(moment: datetime) -> str:
    """The local day a memory was said, as "2025-04-13"."""
    return _local(moment).date().isoformat()


def said_in(moment: datetime, window: TimeWindow) -> bool:
    day = _local(moment).date()
    return _overlaps(day, day + timedelta(days=1), window)


def said_within(window: TimeWindow) -> Callable[[datetime], bool]:
    """`said_in` for one window, its days worked out once (a search asks it for each of its
    few hundred candidates)."""
    if window.month is not None:
        return lambda moment: said_in(moment, window)
    since, until = window_days(window)

    def within(moment: datetime) -> bool:
        day = _local(moment).date()
        return (since is None or day >= since) and (until is None or day < until)

    return within


def mentioned_dates(text: str, said: datetime) -> list[tuple[date, date, str]]:
    """The one-off dates `text` names, read against when it was said: (first, end, label)."""
    now = _local(said)
    found = []
    for mention in find_dates(text, now):
        if mention.recurring:
            continue
        end = mention.span.end if mention.span is not None else mention.day + timedelta(days=1)
        found.append((mention.day, end, mention.label()))
    return found


def fit(text: str, said: datetime, window: TimeWindow) -> Fit:
    if said_in(said, window):
        return Fit("said")
    for first, end, label in mentioned_dates(text, said):
        if _overlaps(first, end, window):
            return Fit("mentions", label)
    return Fit("outside")


def mentions_a_date(text: str, said: datetime) -> str:
    """The first one-off date `text` names ('' for none): what a "when" question wants."""
    dates = mentioned_dates(text, said)
    return dates[0][2] if dates else ""


def relation_window(relation: Relation, anchor: date, now: datetime) -> TimeWindow | None:
    """ "the week after <anchor>" once the anchor's day is known."""
    base = Day(year=anchor.year, month=anchor.month, day=anchor.day)
    span = resolve(Shift(base, relation.unit, relation.count, relation.after), Context(now, "past"))
    if span is None:
        return None
    tz = _local(now).tzinfo
    return TimeWindow(
        since=datetime.combine(span.first, time(0), tzinfo=tz),
        until=datetime.combine(span.end, time(0), tzinfo=tz),
        phrase=f"{relation.phrase} {anchor:%-d %B %Y}",
    )


def anchor_day(text: str, said: datetime) -> date:
    """The day an anchor memory speaks of: the first date it names, else the day it was said."""
    dates = mentioned_dates(text, said)
    return dates[0][0] if dates else _local(said).date()
