"""What a time expression means, before and after it meets a calendar.

The grammar turns words into nodes ("14 February" is a `Day` without a year, "last summer" a
`Season` with `which="last"`); `resolve` places a node on the calendar against the moment the
words were written, giving a `Span` of whole days that says how precise the words were. Nodes
that say "any year" ("in June", asked in a search) are kept as nodes by the callers that want
them that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from app.timewords import calendar as cal
from app.timewords.spans import Recurrence, Span
from app.timewords.vocab import HOLIDAY_PERIODS

_RANK = {"time": 0, "day": 1, "week": 2, "weekend": 2, "month": 3, "season": 4, "year": 5}


# -- nodes: what the words said ------------------------------------------------------------
@dataclass(frozen=True)
class Day:
    """A calendar day, possibly missing its year or month ("14 February", "on the 3rd")."""

    year: int | None
    month: int | None
    day: int
    weekday: int | None = None  # "Monday the 12th": picks the month


@dataclass(frozen=True)
class Month:
    month: int
    year: int | None = None
    which: str | None = None  # last | next | this


@dataclass(frozen=True)
class Year:
    year: int


@dataclass(frozen=True)
class Offset:
    """The calendar unit `count` units from today: yesterday, last week, in two months."""

    unit: str  # hour | minute | day | week | weekend | month | year
    count: int
    part: str = ""  # "yesterday evening": evening


@dataclass(frozen=True)
class Rolling:
    """The last (or next) `count` units up to now: "the past two weeks"."""

    unit: str
    count: int  # negative: back from now


@dataclass(frozen=True)
class Weekday:
    weekday: int
    which: str  # last | next | this | on (said alone)
    part: str = ""


@dataclass(frozen=True)
class Season:
    name: str
    year: int | None = None
    which: str | None = None


@dataclass(frozen=True)
class Holiday:
    name: str  # as in vocab: "christmas", "the holidays"
    year: int | None = None
    which: str | None = None
    days: int = 1  # a holiday period lasts several


@dataclass(frozen=True)
class NthWeekday:
    """ "The first Monday of June" (a `year` or none)."""

    weekday: int
    nth: int
    month: int
    year: int | None = None


@dataclass(frozen=True)
class Clock:
    at: time
    until: time | None = None


@dataclass(frozen=True)
class Timed:
    base: Node
    clock: Clock


@dataclass(frozen=True)
class Shift:
    """ "the day after 14 February", "two weeks before Christmas", "the Friday before": a unit
    (or a weekday) before or after a base; without a base, after what the text named last."""

    base: Node | None
    unit: str  # day | week | weekend | month | year | a weekday number as text "wd4"
    count: int | None  # None: "the week before" (the unit next to the base)
    after: bool
    anchor: str = ""  # what the words were relative to, when it is not a date ("the party")


@dataclass(frozen=True)
class Part:
    base: Node
    part: str  # early | mid | late | start | end


@dataclass(frozen=True)
class WeekOf:
    base: Node
    unit: str  # week | weekend


@dataclass(frozen=True)
class Between:
    first: Node
    last: Node


@dataclass(frozen=True)
class Every:
    rule: Recurrence
    base: Node | None = None  # "every 14 February": the day it falls on


Node = (Day | Month | Year | Offset | Rolling | Weekday | Season | Holiday | NthWeekday | Clock) | (
    Timed | Shift | Part | WeekOf | Between | Every
)


@dataclass(frozen=True)
class Context:
    """What resolving needs: when the words were written and what they lean towards."""

    now: datetime
    tense: str | None = None  # future | past | None
    previous: Span | None = None  # what the text named last (for "the day after")
    hemisphere: str = "north"

    @property
    def today(self) -> date:
        return self.now.date()


def resolve(node: Node, ctx: Context) -> Span | None:
    """The days a node means, or None when they cannot be known (a 31 February)."""
    try:
        return _resolve(node, ctx)
    except (ValueError, OverflowError, KeyError):
        return None


def _resolve(node: Node, ctx: Context) -> Span | None:
    today = ctx.today
    if isinstance(node, Day):
        return _day_span(node, ctx)
    if isinstance(node, Month):
        if node.year is not None:
            return Span(*cal.month_period(node.year, node.month), "month")
        years = range(today.year - 1, today.year + 2)
        choices = [cal.month_period(y, node.month) for y in years]
        return _pick(choices, ctx, node.which, "month")
    if isinstance(node, Year):
        return Span(*cal.year_period(node.year), "year")
    if isinstance(node, Offset):
        return _offset(node, ctx)
    if isinstance(node, Rolling):
        return _rolling(node, ctx)
    if isinstance(node, Weekday):
        return _weekday(node, ctx)
    if isinstance(node, Season):
        if node.year is not None:
            period = cal.season_period(node.name, node.year, ctx.hemisphere)
            return Span(*period, "season", name=node.name)
        years = range(today.year - 2, today.year + 2)
        choices = [cal.season_period(node.name, y, ctx.hemisphere) for y in years]
        return _pick(choices, ctx, node.which, "season", node.name)
    if isinstance(node, Holiday):
        return _holiday(node, ctx)
    if isinstance(node, NthWeekday):
        near: Sequence[int] = [node.year] if node.year else range(today.year - 1, today.year + 2)
        days = [cal.nth_weekday(y, node.month, node.weekday, node.nth) for y in near]
        choices = [(d, d + timedelta(days=1)) for d in days if d is not None]
        return _pick(choices, ctx, None, "day")
    if isinstance(node, Clock):
        return Span(today, today + timedelta(days=1), "time", node.at, node.until)
    if isinstance(node, Timed):
        base = resolve(node.base, ctx)
        if base is None or base.precision not in ("day", "time"):
            return base
        return replace(base, precision="time", at=node.clock.at, until=node.clock.until)
    if isinstance(node, Shift):
        return _shift(node, ctx)
    if isinstance(node, Part):
        base = resolve(node.base, ctx)
        return None if base is None else _part(base, node.part)
    if isinstance(node, WeekOf):
        base = resolve(node.base, ctx)
        return None if base is None else Span(*cal.unit_period(node.unit, base.first), node.unit)
    if isinstance(node, Between):
        return _between(node, ctx)
    if isinstance(node, Every):
        return _every(node, ctx)
    return None


def _pick(
    choices: list[cal.Period], ctx: Context, which: str | None, precision: str, name: str = ""
) -> Span | None:
    today = ctx.today
    if which in ("last", "past", "previous"):
        before = [p for p in choices if p[1] <= today]
        period = max(before) if before else None
    elif which in ("next", "coming"):
        period = min((p for p in choices if p[0] > today), default=None)
    elif which == "this":
        period = next((p for p in choices if p[0] <= today < p[1]), None) or cal.choose(
            [p for p in choices if p[0].year == today.year], today, ctx.tense
        )
    else:
        period = cal.choose(choices, today, ctx.tense)
    return None if period is None else Span(*period, precision, name=name)


def _day_span(node: Day, ctx: Context) -> Span | None:
    today = ctx.today
    if node.year is not None and node.month is not None:
        first = date(node.year, node.month, node.day)
        return Span(first, first + timedelta(days=1), "day")
    if node.month is not None:  # every year around today; 29 February only in leap years
        years = range(today.year - 4, today.year + 5)
        days = [date(y, node.month, node.day) for y in years if cal.valid(y, node.month, node.day)]
    else:  # "on the 3rd": a month around today, on the weekday given if one was
        starts = [cal.add_months(today.replace(day=1), n) for n in range(-6, 7)]
        days = [s.replace(day=node.day) for s in starts if cal.valid(s.year, s.month, node.day)]
        if node.weekday is not None:
            days = [d for d in days if d.weekday() == node.weekday]
    return _pick([(d, d + timedelta(days=1)) for d in days], ctx, None, "day")


def _offset(node: Offset, ctx: Context) -> Span:
    if node.unit in ("hour", "minute"):
        moment = ctx.now + timedelta(**{node.unit + "s": node.count})
        day = moment.date()
        at = moment.time().replace(second=0, microsecond=0)
        return Span(day, day + timedelta(days=1), "time", at)
    first, end = cal.unit_period(node.unit, cal.add(ctx.today, node.unit, node.count))
    return Span(first, end, node.unit, name=node.part)


def _rolling(node: Rolling, ctx: Context) -> Span:
    now = ctx.now
    if node.unit in ("day", "week", "weekend", "hour", "minute"):
        unit = "week" if node.unit == "weekend" else node.unit
        moment = now + timedelta(**{unit + "s": node.count})
    else:
        months = node.count * (12 if node.unit == "year" else 1)
        moved = cal.add_months(now.date(), months)
        moment = now.replace(year=moved.year, month=moved.month, day=moved.day)
    if node.count < 0:
        return Span(moment.date(), ctx.today + timedelta(days=1), "range", exact=moment)
    return Span(ctx.today, moment.date() + timedelta(days=1), "range")


def _weekday(node: Weekday, ctx: Context) -> Span:
    """last: the one before today; coming: the first after today; next: the same, unless that
    is tomorrow ("next Saturday", said on a Friday, is a week on); this: today or the coming
    one, or the one just gone when the clause is in the past; on (or said alone): the last one,
    or the coming one when the clause speaks of the future."""
    today = ctx.today
    delta = node.weekday - today.weekday()
    which = node.which
    if which == "on":
        which = "coming" if ctx.tense == "future" else "last"
    if which == "this":
        which = "this-past" if ctx.tense == "past" else "this-ahead"
    if which in ("last", "past"):
        delta = delta - 7 if delta >= 0 else delta
    elif which == "coming":
        delta = delta + 7 if delta <= 0 else delta
    elif which == "next":
        delta = delta + 7 if delta <= 1 else delta
    elif which == "this-past":
        delta = delta - 7 if delta > 0 else delta
    elif which == "this-ahead":
        delta = delta + 7 if delta < 0 else delta
    first = today + timedelta(days=delta)
    if node.part == "weekend":
        return Span(first, first + timedelta(days=2), "weekend")
    return Span(first, first + timedelta(days=1), "day", name=node.part)


def _holiday(node: Holiday, ctx: Context) -> Span | None:
    def period(year: int) -> cal.Period:
        first = cal.holiday(node.name, year) if node.days == 1 else _period_start(node, year)
        return first, first + timedelta(days=node.days)

    precision = "day" if node.days == 1 else "range"
    name = "" if node.days == 1 else node.name
    if node.year is not None:
        return Span(*period(node.year), precision, name=name)
    today = ctx.today
    choices = [period(y) for y in range(today.year - 2, today.year + 2)]
    if node.which == "this":
        return Span(*period(today.year), precision, name=name)
    return _pick(choices, ctx, node.which, precision, name)


def _period_start(node: Holiday, year: int) -> date:

    month, day = HOLIDAY_PERIODS[node.name][0]
    return date(year, month, day)


def _shift(node: Shift, ctx: Context) -> Span | None:
    if node.base is not None:
        base = resolve(node.base, ctx)
    else:  # "two days later": after what the text named last; "the day after the party": unknown
        base = None if node.anchor else ctx.previous
    if base is None:
        return None
    sign = 1 if node.after else -1
    if node.unit.startswith("wd"):  # "the Friday before 15 July": the nearest one before it
        weekday, count = int(node.unit[2:]), node.count or 1
        day = base.last if node.after else base.first
        step = 1 if node.after else -1
        found = 0
        while found < count:
            day += timedelta(days=step)
            found += day.weekday() == weekday
        return Span(day, day + timedelta(days=1), "day")
    if node.count is None:  # "the week before X": the calendar unit next to X's
        return Span(*_next_to(base, node.unit, node.after), node.unit)
    unit = "week" if node.unit == "weekend" else node.unit
    if node.unit == "weekend":
        target = resolve(Shift(node.base, "weekend", None, node.after), ctx)
        if target is None:
            return None
        moved = cal.add(target.first, "week", sign * (node.count - 1))
        return Span(*cal.unit_period("weekend", moved), "weekend")
    if _RANK.get(unit, 0) >= _RANK.get(base.precision, 0):
        first = cal.add(base.first, unit, sign * node.count)
        end = cal.add(base.end, unit, sign * node.count) if base.precision != "day" else None
        return replace(base, first=first, end=end or first + timedelta(days=1), exact=None)
    edge = base.last if node.after else base.first
    day = cal.add(edge, unit, sign * node.count)
    return Span(day, day + timedelta(days=1), "day")


def _next_to(base: Span, unit: str, after: bool) -> cal.Period:
    if unit == "weekend":  # the whole weekend before (after) X, not the one X falls in
        if after:
            saturday = base.last + timedelta(days=(5 - base.last.weekday()) % 7 or 7)
        else:
            sunday = base.first - timedelta(days=(base.first.weekday() - 6) % 7 or 7)
            saturday = sunday - timedelta(days=1)
        return saturday, saturday + timedelta(days=2)
    if after:
        return cal.unit_period(unit, cal.unit_period(unit, base.last)[1])
    return cal.unit_period(unit, cal.unit_period(unit, base.first)[0] - timedelta(days=1))


def _part(base: Span, part: str) -> Span:
    days = (base.end - base.first).days
    third = max(1, days // 3)
    if part in ("early", "start"):
        first, end = base.first, base.first + timedelta(days=third)
    elif part == "mid":
        first = base.first + timedelta(days=third)
        end = base.first + timedelta(days=2 * third)
    else:
        first, end = base.first + timedelta(days=2 * third if days > 2 else 0), base.end
    if base.precision == "year":  # thirds of four months; its start and end are a month each
        index = {"early": 0, "start": 0, "mid": 1, "late": 2, "end": 2}[part]
        first = date(base.first.year, 1 + 4 * index, 1)
        end = cal.add_months(first, 4)
        if part in ("start", "end"):
            first = first if part == "start" else date(base.first.year, 12, 1)
            end = cal.add_months(first, 1)
    words = {"start": "the start of", "end": "the end of"}.get(part, part)
    return Span(first, end, "part", name=f"{words} {base.label()}")


def _between(node: Between, ctx: Context) -> Span | None:
    lead, tail = node.first, node.last
    if (
        isinstance(lead, Day | Month)
        and lead.year is None
        and isinstance(tail, Day | Month)
        and tail.year is not None
    ):
        lead = replace(lead, year=tail.year - (_order(lead) > _order(tail)))
    first = resolve(lead, ctx)
    if first is None:
        return None
    later = Context(datetime.combine(first.first, time(0), ctx.now.tzinfo), "future")
    last = resolve(node.last, ctx)
    if last is not None and last.end <= first.first:
        last = resolve(node.last, later)
    if last is None or last.end <= first.first:
        return None
    if first.precision == "time" and first.first == last.first and last.at:
        return replace(first, until=last.at)
    return Span(first.first, last.end, "range")


def _order(node: Day | Month) -> tuple[int, int]:
    return node.month or 0, node.day if isinstance(node, Day) else 0


def _every(node: Every, ctx: Context) -> Span | None:
    if isinstance(node.base, Holiday):  # "every Easter": the next one
        day = _holiday(node.base, replace(ctx, tense="future"))
        if day is None:
            return None
        first = day.first
    elif isinstance(node.base, Day) and node.base.month is not None:  # a birthday: its date
        day = _day_span(node.base, ctx)
        if day is None:
            return None
        first = day.first
    else:
        first = node.rule.next_on_or_after(ctx.today)
    precision = "time" if node.rule.at is not None else "day"
    return Span(first, first + timedelta(days=1), precision, node.rule.at, node.rule.until)
