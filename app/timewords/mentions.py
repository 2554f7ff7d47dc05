"""Dates and times in a message, resolved against the moment it was written.

"yesterday" in a message sent on 8 May 2023 is 7 May 2023; "last week" is the week of 1 May;
"at 3pm" on its own is 15:00 that day; "two days later" is two days after the date named before
it. Each mention keeps its precision (time, day, week, month, season, year, range) so a memory
says no more than the text did, and a rule ("every Monday", "her birthday is on 14 February")
says it recurs, so it becomes a fact rather than an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from app.timewords.nodes import Context, Every, Recurrence, Span, resolve
from app.timewords.scan import scan


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    day: date  # the first day the mention covers (a rule: the next day it falls on)
    precision: str  # time | day | week | weekend | month | season | year | range | part
    at: time | None = None
    span: Span | None = None  # every day it covers
    recurrence: Recurrence | None = None  # set for a rule: "every Monday", a birthday
    future: bool = False  # the text speaks of it as ahead ("see you on Saturday")

    @property
    def recurring(self) -> bool:
        return self.recurrence is not None

    @property
    def last(self) -> date:
        return self.span.last if self.span is not None else self.day

    def label(self) -> str:
        """How a memory says it: no more precise than the text was."""
        if self.recurrence is not None:
            return self.recurrence.describe()
        if self.span is not None:
            return self.span.label()
        return Span(self.day, self.day, self.precision, self.at).label()

    def moment(self, tz: object) -> datetime:
        return datetime.combine(self.day, self.at or time(12, 0), tzinfo=tz)  # type: ignore[arg-type]


def find_dates(text: str, now: datetime) -> list[DateMention]:
    """Every date mention, resolved against `now` (the moment the text was written)."""
    found: list[DateMention] = []
    previous: Span | None = None
    for item in scan(text):
        span = resolve(item.node, Context(now, item.tense, previous))
        if span is None:
            continue
        rule = item.node.rule if isinstance(item.node, Every) else None
        found.append(
            DateMention(
                item.text,
                item.start,
                item.end,
                span.first,
                span.precision,
                span.at,
                span,
                rule,
                item.tense == "future" or (rule is None and span.first > now.date()),
            )
        )
        if rule is None:
            previous = span
    return found
