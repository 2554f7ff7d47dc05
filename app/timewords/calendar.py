"""Calendar arithmetic on plain dates: months that do not have a 31st, weeks from Monday,
seasons, movable feasts, and choosing which occurrence of "14 February" a sentence means."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from app.timewords.vocab import FIXED_HOLIDAYS, SEASONS

Period = tuple[date, date]  # first day, day after the last
FUTURE_WINDOW = timedelta(days=180)  # an undated "28 December" said in May is the past one


def add_months(day: date, count: int) -> date:
    """The same day `count` months later, or the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + count
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def add(day: date, unit: str, count: int) -> date:
    if unit == "day":
        return day + timedelta(days=count)
    if unit in ("week", "weekend"):
        return day + timedelta(weeks=count)
    if unit == "month":
        return add_months(day, count)
    return add_months(day, 12 * count)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return start, add_months(start, 1)


def year_period(year: int) -> Period:
    return date(year, 1, 1), date(year + 1, 1, 1)


def unit_period(unit: str, day: date) -> Period:
    """The calendar day, week (from Monday), weekend, month or year holding `day`."""
    if unit == "day":
        return day, day + timedelta(days=1)
    if unit == "week":
        start = week_start(day)
        return start, start + timedelta(days=7)
    if unit == "weekend":
        saturday = week_start(day) + timedelta(days=5)
        return saturday, saturday + timedelta(days=2)
    if unit == "month":
        return month_period(day.year, day.month)
    return year_period(day.year)


def season_period(name: str, year: int, hemisphere: str = "north") -> Period:
    """A season of `year`: the northern winter of 2022 runs from December 2022 to February."""
    start = date(year, SEASONS[hemisphere][name], 1)
    return start, add_months(start, 3)


def easter(year: int) -> date:
    """Easter Sunday (Gregorian, the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * j) // 451
    month, day = divmod(h + j - 7 * m + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The n-th (1-based; -1 the last) given weekday of a month, or None when there is none."""
    if n < 0:
        last = date(year, month, monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return day if day.month == month else None


def holiday(name: str, year: int) -> date:
    if name in FIXED_HOLIDAYS:
        month, day = FIXED_HOLIDAYS[name]
        return date(year, month, day)
    sunday = easter(year)
    if name == "good friday":
        return sunday - timedelta(days=2)
    if name == "easter monday":
        return sunday + timedelta(days=1)
    if name == "thanksgiving":  # the United States' one: the fourth Thursday of November
        return nth_weekday(year, 11, 3, 4) or date(year, 11, 22)
    return sunday


def valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= monthrange(year, month)[1]


def choose(candidates: list[Period], today: date, tense: str | None) -> Period | None:
    """Which occurrence a sentence means: the next one when it speaks of the future, the last
    one when it speaks of the past, else the one holding today or the nearest (an occurrence
    ahead only within half a year)."""
    ordered = sorted(candidates)
    if not ordered:
        return None
    holding = [p for p in ordered if p[0] <= today < p[1]]
    if tense == "future":
        return next((p for p in ordered if p[1] > today), ordered[-1])
    if tense == "past":
        return next((p for p in reversed(ordered) if p[0] <= today), ordered[0])
    if holding:
        return holding[0]

    def distance(p: Period) -> tuple[timedelta, int]:
        if p[0] > today:
            ahead = p[0] - today
            return (ahead if ahead <= FUTURE_WINDOW else timedelta.max), 1
        return today - (p[1] - timedelta(days=1)), 0

    return min(ordered, key=distance)
