"""Time words inside a search query: "lunch with Ana last week", "camping in June",
"what happened on 8 May 2023", "yesterday".

`parse_query` finds the first time expression, resolves it against `now` (the person's local
time) into a `TimeWindow`, and returns the query without those words. The retriever filters on
each memory's `occurred_at`. A month or day without a year ("in June", "on 8 May") means that
month or day in any year. Anything not recognised stays in the query as plain words.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
MONTHS["sept"] = 9
WEEKDAYS = {calendar.day_name[n].lower(): n for n in range(7)}
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple of": 2,
    "few": 3,
}


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
class ParsedQuery:
    text: str
    window: TimeWindow | None


# -- calendar helpers -----------------------------------------------------------------------
def _day(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)


def _month_start(year: int, month: int, tz: object) -> datetime:
    return datetime(year, month, 1, tzinfo=tz)  # type: ignore[arg-type]


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1


def _month_range(year: int, month: int, tz: object) -> tuple[datetime, datetime]:
    ny, nm = _add_months(year, month, 1)
    return _month_start(year, month, tz), _month_start(ny, nm, tz)


def _year_range(year: int, tz: object) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)  # type: ignore[arg-type]


def _week_start(moment: datetime) -> datetime:
    return _day(moment) - timedelta(days=moment.weekday())


def _unit_range(unit: str, moment: datetime) -> tuple[datetime, datetime]:
    """The calendar day/week/month/year that contains `moment`."""
    tz = moment.tzinfo
    if unit == "day":
        start = _day(moment)
        return start, start + timedelta(days=1)
    if unit == "week":
        start = _week_start(moment)
        return start, start + timedelta(days=7)
    if unit == "month":
        return _month_range(moment.year, moment.month, tz)
    return _year_range(moment.year, tz)


def _shift(moment: datetime, unit: str, count: int) -> datetime:
    if unit == "day":
        return moment - timedelta(days=count)
    if unit == "week":
        return moment - timedelta(weeks=count)
    if unit == "month":
        year, month = _add_months(moment.year, moment.month, -count)
        return moment.replace(year=year, month=month, day=min(moment.day, 28))
    return moment.replace(year=moment.year - count, day=min(moment.day, 28))


# -- patterns ---------------------------------------------------------------------------------
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_NUM = r"(?P<num>\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAYNUM = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_PREP = r"(?P<prep>in|on|during|since|from|before|after|until|till|by)\s+"
Resolver = Callable[[re.Match[str], datetime], TimeWindow | None]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text]


def _bounded(prep: str | None, start: datetime, end: datetime) -> tuple[datetime | None, ...]:
    """Apply a leading since/before/after/until to a resolved span."""
    if prep in ("since", "from"):
        return start, None
    if prep == "after":
        return end, None
    if prep == "before":
        return None, start
    if prep in ("until", "till", "by"):
        return None, end
    return start, end


def _span(match: re.Match[str], start: datetime, end: datetime) -> TimeWindow:
    prep = match.groupdict().get("prep")
    since, until = _bounded(prep, start, end)
    return TimeWindow(since=since, until=until, phrase=match.group(0).strip())


def _relative_day(match: re.Match[str], now: datetime) -> TimeWindow:
    word = match.group("word")
    offset = {"today": 0, "tonight": 0, "yesterday": 1, "last night": 1}.get(word)
    if offset is None:  # "this morning", "this evening", ...
        offset = 0
    if match.groupdict().get("before"):
        offset = 2
    start = _day(now) - timedelta(days=offset)
    return _span(match, start, start + timedelta(days=1))


def _this_last(match: re.Match[str], now: datetime) -> TimeWindow:
    which, unit = match.group("which"), match.group("unit")
    if unit == "weekend":
        saturday = _week_start(now) + timedelta(days=5)
        if which != "this":
            saturday -= timedelta(days=7)  # the weekend before this week's Monday
        return _span(match, saturday, saturday + timedelta(days=2))
    if which == "past":  # "the past week": the last seven days, up to now
        return TimeWindow(since=_shift(now, unit, 1), until=None, phrase=match.group(0).strip())
    moment = now if which == "this" else _shift(now, unit, 1)
    start, end = _unit_range(unit, moment)
    return _span(match, start, end)


def _past_n(match: re.Match[str], now: datetime) -> TimeWindow:
    count, unit = _number(match.group("num")), match.group("unit")
    return TimeWindow(since=_shift(now, unit, count), until=None, phrase=match.group(0).strip())


def _ago(match: re.Match[str], now: datetime) -> TimeWindow:
    count, unit = _number(match.group("num")), match.group("unit")
    start, end = _unit_range(unit, _shift(now, unit, count))
    return _span(match, start, end)


def _weekday(match: re.Match[str], now: datetime) -> TimeWindow:
    target = WEEKDAYS[match.group("weekday")]
    back = (now.weekday() - target) % 7 or 7  # the most recent one before today
    start = _day(now) - timedelta(days=back)
    return _span(match, start, start + timedelta(days=1))


def _date(match: re.Match[str], now: datetime) -> TimeWindow | None:
    groups = match.groupdict()
    month = MONTHS[groups["month"]] if groups.get("month") else int(groups["mnum"])
    day = int(groups["day"]) if groups.get("day") else None
    year = int(groups["year"]) if groups.get("year") else None
    if day is not None and not 1 <= day <= 31:
        return None
    if year is None:
        if groups.get("prep") in ("since", "from", "before", "after", "until", "till", "by"):
            # An open range needs an anchor: the most recent such month/day.
            year = now.year if (month, day or 1) <= (now.month, now.day) else now.year - 1
        else:
            return TimeWindow(month=month, day=day, phrase=match.group(0).strip())
    try:
        if day is None:
            start, end = _month_range(year, month, now.tzinfo)
        else:
            start = datetime(year, month, day, tzinfo=now.tzinfo)
            end = start + timedelta(days=1)
    except ValueError:
        return None
    return _span(match, start, end)


def _year(match: re.Match[str], now: datetime) -> TimeWindow:
    start, end = _year_range(int(match.group("year")), now.tzinfo)
    return _span(match, start, end)


_PATTERNS: list[tuple[re.Pattern[str], Resolver]] = [
    (re.compile(rf"\b(?:{_PREP})?{_YEAR}-(?P<mnum>\d{{2}})-{_DAYNUM}\b", re.I), _date),
    (
        re.compile(
            rf"\b(?:{_PREP})?(?:the\s+)?{_DAYNUM}\s+(?:of\s+)?{_MONTH},?(?:\s+{_YEAR})?\b", re.I
        ),
        _date,
    ),
    (re.compile(rf"\b(?:{_PREP})?{_MONTH}\s+{_DAYNUM}(?:,?\s+{_YEAR})?\b", re.I), _date),
    (re.compile(rf"\b(?:{_PREP})?{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.I), _date),
    (re.compile(rf"\b{_PREP}(?:the\s+month\s+of\s+)?{_MONTH}\b", re.I), _date),
    (re.compile(rf"\b{_PREP}{_YEAR}\b", re.I), _year),
    (
        re.compile(
            r"\b(?:(?P<before>the\s+day\s+before\s+yesterday)|(?:on\s+)?"
            r"(?P<word>today|tonight|yesterday|last\s+night|this\s+(?:morning|afternoon|evening)))\b",
            re.I,
        ),
        _relative_day,
    ),
    (
        re.compile(
            r"\b(?:in\s+|during\s+|over\s+)?(?:the\s+)?(?P<which>this|last|past|previous)\s+(?P<unit>week|month|year|weekend)\b",
            re.I,
        ),
        _this_last,
    ),
    (
        re.compile(
            rf"\b(?:in\s+|over\s+|during\s+)?(?:the\s+)?(?:last|past)\s+{_NUM}\s+{_UNIT}\b", re.I
        ),
        _past_n,
    ),
    (re.compile(rf"\b{_NUM}\s+{_UNIT}\s+ago\b", re.I), _ago),
    (re.compile(rf"\b(?:on\s+|last\s+|this\s+past\s+){_WEEKDAY}\b", re.I), _weekday),
]


def parse_query(query: str, now: datetime | None = None) -> ParsedQuery:
    """The query without its first time expression, and the window that expression means."""
    now = now or datetime.now().astimezone()
    best: tuple[int, int, re.Match[str], Resolver] | None = None
    for pattern, resolver in _PATTERNS:
        for match in pattern.finditer(query):
            key = (match.start(), -(match.end() - match.start()))
            if best is None or key < (best[0], best[1]):
                best = (key[0], key[1], match, resolver)
            break
    if best is None:
        return ParsedQuery(query, None)
    match, resolver = best[2], best[3]
    lowered = _Lowered(match)
    window = resolver(lowered, now)  # type: ignore[arg-type]
    if window is None:
        return ParsedQuery(query, None)
    rest = (query[: match.start()] + " " + query[match.end() :]).strip()
    rest = re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", rest)).strip(" ,")
    return ParsedQuery(rest, window)


class _Lowered:
    """A match whose groups read in lower case with inner spaces collapsed."""

    def __init__(self, match: re.Match[str]) -> None:
        self._match = match

    def group(self, name: str | int = 0) -> str:
        value = self._match.group(name)
        return " ".join(value.lower().split()) if value is not None else value

    def groupdict(self) -> dict[str, str | None]:
        return {
            k: (" ".join(v.lower().split()) if v is not None else None)
            for k, v in self._match.groupdict().items()
        }
