"""The grammar of time words: regular expressions built from the vocabulary, each turning what
it matched into a node. `scan` (in `app.timewords.scan`) picks the longest non-overlapping
matches and joins neighbours ("the day after" + "14 February", "tomorrow" + "at 3pm").

Patterns are tried on the whole text; one that could read a plain word as a date ("may",
"march", "spring", "fall", "christmas tree") asks for a number, a preposition or a capital
letter beside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from app.timewords import vocab as V
from app.timewords.nodes import (
    Between,
    Clock,
    Day,
    Every,
    Holiday,
    Month,
    Node,
    NthWeekday,
    Offset,
    Recurrence,
    Rolling,
    Season,
    Shift,
    Weekday,
    Year,
)

Build = Callable[[re.Match[str], str], Node | None]
AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar", "jan", "jun", "dec", "sept"})
_NEGATED = re.compile(r"(?i)(?:\b(?:not|never|only)\b|n't\b|\bfirst\s+time\b)")
_PREP_TAIL = re.compile(
    r"\b(?:on|in|by|until|till|since|from|before|after|during|for|of|early|mid|late|between"
    r"|through|around|every|each)[\s-]+(?:the\s+)?$",
    re.I,
)


def alt(words: object) -> str:
    """A regex alternation of words, longest first, any run of spaces between their parts."""
    ordered = sorted({str(w) for w in words}, key=len, reverse=True)  # type: ignore[attr-defined]
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("'", "['’]?") for w in ordered)


def words(value: str | None) -> str:
    return " ".join((value or "").lower().replace("’", "'").split())


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    build: Build


class Grammar:
    """All patterns for a set of vocabularies (English for text; more for form values)."""

    def __init__(self, vocabularies: tuple[V.Vocabulary, ...]) -> None:
        self.months: dict[str, int] = {}
        for vocabulary in vocabularies:
            self.months.update(vocabulary.months)
        english = V.ENGLISH
        self.weekdays = english.weekdays
        full = set(english.full_months) | {
            name for v in vocabularies[1:] for name in v.months if len(name) > 3
        }
        connectors = {c for v in vocabularies for c in v.connectors}
        m_any = rf"(?P<month>{alt(self.months)})\.?"
        m_full = rf"(?P<month>{alt(full)})"
        day = r"(?P<day>3[01]|[12]\d|0?[1-9])(?P<suffix>st|nd|rd|th|\.)?"
        ordinal = rf"(?P<ordinal>{alt(V.ORDINALS)})"
        year = r"(?P<year>(?:1[6-9]|20)\d{2})(?![\d:])"
        wd = rf"(?P<weekday>{alt(self.weekdays)})"
        wd_any = alt([*self.weekdays, *V.ABBREVIATED_WEEKDAYS])
        num = rf"(?P<num>\d{{1,3}}|{alt(V.NUMBERS)})"
        unit = rf"(?P<unit>{alt(V.UNITS)})s?"
        joins = rf"(?:\s+(?:{alt(connectors)}))?" if connectors else ""
        part = rf"(?:\s+(?:in\s+the\s+)?(?P<part>{alt(V.PARTS_OF_DAY)}))?"
        holidays = [*V.FIXED_HOLIDAYS, *V.MOVABLE_HOLIDAYS]
        clock = (
            r"(?P<hour>1[0-2]|0?[1-9])(?:[:.](?P<minute>[0-5]\d))?\s*"
            r"(?P<ampm>am|pm|a\.m\.|p\.m\.)(?!\w)"
        )
        lead = r"(?<![\w/.:-])"
        r = re.compile
        self.rules: list[Rule] = [
            Rule(
                "holiday",
                r(
                    r"\b(?:(?P<which>last|next|this)\s+|(?P<prep>on|at|over|for|during|around"
                    r"|after|before|since|until|till|by|in|from)\s+)?"
                    rf"(?P<holiday>{alt([*holidays, *V.HOLIDAY_PERIODS])})(?:\s+{year})?\b",
                    re.I,
                ),
                _holiday,
            ),
            Rule(
                "iso",
                r(
                    rf"{lead}(?P<y>\d{{4}})(?P<sep>[-/])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})"
                    r"(?:(?:T|\s+)(?P<hh>[01]?\d|2[0-3]):(?P<mm>[0-5]\d)(?::\d{2}(?:\.\d+)?)?"
                    r"(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d])"
                ),
                _iso,
            ),
            Rule(
                "numeric",
                r(
                    rf"{lead}(?P<a>\d{{1,2}})(?P<sep>[./-])(?P<b>\d{{1,2}})(?P=sep)"
                    r"(?P<y>\d{4}|\d{2})(?![\d]|[./-]\d)"
                ),
                _numeric,
            ),
            Rule("dotted", r(rf"{lead}(?P<a>[0-3]?\d)\.(?P<b>[01]?\d)\.(?![\w.])"), _numeric),
            Rule(
                "slashed",
                r(
                    r"\b(?:on|by|until|till|from|since|before|after)\s+"
                    r"(?P<a>[0-3]?\d)/(?P<b>[01]?\d)(?![\d/])",
                    re.I,
                ),
                _numeric,
            ),
            Rule(
                "dmy",
                r(
                    rf"{lead}(?:{wd},?\s+)?(?:the\s+)?(?:{day}|{ordinal})(?:\s+of|{joins})?\s+"
                    rf"{m_any}(?:,?{joins}\s+{year})?(?![\w])",
                    re.I,
                ),
                self._dmy,
            ),
            Rule(
                "mdy",
                r(
                    rf"(?<![\w-])(?:{wd},?\s+)?{m_any}\s+(?:the\s+)?(?:{day}|{ordinal})"
                    rf"(?:,?\s+{year})?(?![\w:]|\.\d)",
                    re.I,
                ),
                self._dmy,
            ),
            Rule(
                "day_range",
                r(
                    rf"{lead}(?:the\s+)?(?P<d1>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s*"
                    rf"(?:-|–|to|until|till|and)\s*(?:the\s+)?{day}\s+(?:of\s+)?{m_any}"
                    rf"(?:,?\s+{year})?(?![\w])",
                    re.I,
                ),
                self._day_range,
            ),
            Rule(
                "day_range_mdy",
                r(
                    rf"(?<![\w-]){m_any}\s+(?P<d1>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s*"
                    rf"(?:-|–|to|until|till)\s*{day}(?:,?\s+{year})?(?![\w:])",
                    re.I,
                ),
                self._day_range,
            ),
            Rule("ymd", r(rf"{lead}{year}\s+{m_any}\s+{day}(?!\w)", re.I), self._dmy),
            Rule(
                "weekday_day",
                r(rf"\b{wd},?\s+(?:the\s+)?(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b", re.I),
                self._weekday_day,
            ),
            Rule(
                "on_the",
                r(
                    r"\b(?:on|by|until|till|from|since|before|after)\s+the\s+"
                    rf"(?:(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)|{ordinal})"
                    r"(?=\s*(?:[.,;:!?)]|$)|\s+(?:at|and|to|or|we|i|you|he|she|they|it|because"
                    r"|so|but|when|then|as|for|is|was|will|this|next|last|of\s+(?:the|this|next"
                    r"|last)\s+month)\b)",
                    re.I,
                ),
                self._on_the,
            ),
            Rule(
                "month_year",
                r(rf"(?<![\w-])(?:the\s+month\s+of\s+)?{m_any},?\s+(?:of\s+)?{year}", re.I),
                self._month_year,
            ),
            Rule(
                "month_bare",
                r(
                    r"\b(?P<prep>in|during|since|from|before|after|until|till|by|over|through"
                    r"|throughout|back\s+in|around|early|mid|late|(?:the\s+)?(?:start|beginning"
                    r"|middle|end)\s+of|(?P<which>last|next|this\s+past|this\s+coming|this"
                    r"|coming))[\s-]+(?:the\s+month\s+of\s+)?"
                    rf"{m_full}\b(?!\s+\d)",
                    re.I,
                ),
                self._month_bare,
            ),
            Rule(
                "year",
                r(
                    r"\b(?P<prep>in|during|since|from|before|after|until|till|by|through"
                    r"|throughout|back\s+in|around|early|mid|late|(?:the\s+)?(?:start|beginning"
                    rf"|middle|end)\s+of)[\s-]+(?:the\s+year\s+)?{year}",
                    re.I,
                ),
                _year,
            ),
            Rule(
                "relative_day",
                r(
                    r"\b(?:(?P<before>the\s+day\s+before\s+yesterday)|(?P<after>the\s+day\s+after"
                    r"\s+tomorrow)|(?P<word>today|tonight|yesterday|tomorrow|last\s+night"
                    r"|this\s+(?:morning|afternoon|evening)|earlier\s+today|later\s+today))"
                    rf"{part}\b",
                    re.I,
                ),
                _relative_day,
            ),
            Rule(
                "relative_unit",
                r(
                    r"\b(?:the\s+)?(?P<which>this|last|next|past|previous|coming)\s+"
                    r"(?P<unit>week|weekend|month|year|fortnight|decade)\b"
                    r"|\bthe\s+(?P<unit2>week|weekend|month|year)\s+(?P<dir>before\s+last"
                    r"|after\s+next)\b",
                    re.I,
                ),
                _relative_unit,
            ),
            Rule(
                "ago",
                r(
                    rf"\b{num}\s+{unit}\s+(?P<dir>ago|back|before\s+now|from\s+now)\b"
                    rf"|\bin\s+{num.replace('num', 'num2')}\s+{unit.replace('unit', 'unit2')}"
                    r"(?:['’]?\s*time)?\b",
                    re.I,
                ),
                _ago,
            ),
            Rule(
                "rolling",
                r(
                    r"\b(?:the\s+)?(?P<which>last|past|previous|next|coming)\s+"
                    rf"{num}\s+{unit}\b",
                    re.I,
                ),
                _rolling,
            ),
            Rule(
                "weekday",
                r(
                    r"\b(?:(?P<which>last|next|this\s+past|this\s+coming|this|coming|past|on)\s+)?"
                    rf"{wd}(?!s\b){part}\b",
                    re.I,
                ),
                self._weekday,
            ),
            Rule(
                "season",
                r(
                    r"\b(?:(?P<which>last|next|this|past|previous|coming)\s+|(?P<prep>in|during"
                    r"|over|through|throughout|for|by|since|until|till|before|after|early|mid"
                    r"|late|around|of)\s+(?:the\s+)?|(?P<the>the)\s+)?"
                    r"(?P<season>spring|summer|fall|autumn|winter)"
                    rf"(?:\s+(?:of\s+)?{year}|\s+['’](?P<yy>\d{{2}}))?\b",
                    re.I,
                ),
                _season,
            ),
            Rule(
                "nth_weekday",
                r(
                    r"\b(?:(?:on|every|each)\s+)?(?:the\s+)?(?P<nth>first|second|third|fourth"
                    rf"|last|1st|2nd|3rd|4th)\s+{wd}\s+(?:of|in)\s+(?:(?P<every>every|each"
                    rf"|the)\s+month|{m_any}(?:\s+{year})?)\b",
                    re.I,
                ),
                self._nth_weekday,
            ),
            Rule(
                "clock",
                r(
                    rf"(?:\b(?:at|from|until|till|by|around|about)\s+|@\s*)?(?<![\w:.]){clock}"
                    r"|\b(?:at|from|until|till|by|before|after|around|about)\s+"
                    r"(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)\b"
                    r"|\b(?:at\s+)?(?P<noon>noon|midnight)\b",
                    re.I,
                ),
                _clock,
            ),
            Rule(
                "clock_range",
                r(
                    r"(?:\b(?:from|between)\s+)?(?<![\w:.])(?P<h1>1[0-2]|0?[1-9])"
                    r"(?:[:.](?P<m1>[0-5]\d))?\s*(?P<ap1>am|pm)?\s*(?:-|–|to|until|till|and)\s*"
                    rf"{clock}",
                    re.I,
                ),
                _clock_range,
            ),
            Rule(
                "every",
                r(
                    r"\b(?:every|each)\s+(?:(?P<other>other|second)\s+|(?P<n>\d{1,2}|two|three"
                    r"|four|five|six)\s+)?(?P<what>day|night|morning|afternoon|evening|week"
                    r"|weekend|weekday|weeknight|month|year|summer|winter|spring|fall|autumn|"
                    rf"{alt(self.weekdays)})s?\b",
                    re.I,
                ),
                self._every,
            ),
            Rule(
                "plural_weekdays",
                r(
                    rf"\b(?:(?:on|at|over|during)\s+(?:the\s+)?)?(?:{alt(self.weekdays)})s"
                    rf"(?:(?:\s*,\s*|\s+and\s+|\s*&\s*|\s+or\s+)(?:{alt(self.weekdays)})s)*\b"
                    r"|\b(?:(?:on|at|over|during)\s+(?:the\s+)?)?(?:weekdays|weeknights|weekends"
                    r"|working\s+days|workdays|business\s+days)\b",
                    re.I,
                ),
                self._plural_weekdays,
            ),
            Rule(
                "adverb",
                r(
                    r"\b(?P<adv>daily|nightly|weekly|fortnightly|biweekly|monthly|yearly|annually"
                    r"|every\s+other\s+day)\b|\b(?P<times>once|twice|three\s+times|\d+\s+times)\s+"
                    r"(?:a|an|per|every)\s+(?P<unit>day|week|month|year)\b",
                    re.I,
                ),
                _adverb,
            ),
            Rule(
                "weekday_range",
                r(
                    rf"\b(?:from\s+)?(?P<w1>{wd_any})\.?\s*(?:-|–|to|through|thru|till|until)\s*"
                    rf"(?P<w2>{wd_any})\b\.?",
                    re.I,
                ),
                self._weekday_range,
            ),
            Rule(
                "shift",
                r(
                    rf"\b(?:(?P<the>the|a)\s+|{num}\s+)?(?P<unit>day|week|weekend|month|year"
                    rf"|fortnight|{alt(self.weekdays)})s?\s+(?P<dir>before|after|prior\s+to"
                    r"|following)\b"
                    rf"|\b{num.replace('num', 'num2')}\s+(?P<unit2>day|week|month|year)s?\s+"
                    r"(?P<dir2>later|earlier|afterwards|beforehand)\b"
                    r"|\bthe\s+(?P<which>next|following|previous)\s+(?P<unit3>day|week|weekend"
                    r"|month|year|morning|evening|night)\b"
                    r"|\b(?:later\s+)?that\s+(?:same\s+)?(?P<unit4>day|night|evening|morning"
                    r"|afternoon|week|weekend)\b",
                    re.I,
                ),
                self._shift,
            ),
        ]

    # -- builders that need the vocabulary -----------------------------------------------
    def _month(self, m: re.Match[str], text: str, needs_cue: bool = True) -> int | None:
        raw = m.group("month")
        name = words(raw).rstrip(".")
        number = self.months.get(name)
        if number is None:
            return None
        if needs_cue and name in AMBIGUOUS_MONTHS and not raw[0].isupper():
            groups = m.groupdict()
            if not (groups.get("year") or groups.get("suffix") or _prep_before(m, text)):
                return None
        return number

    def _day_number(self, m: re.Match[str]) -> int:
        groups = m.groupdict()
        if groups.get("ordinal"):
            return V.ORDINALS[words(groups["ordinal"]).replace(" ", "-")]
        return int(groups["day"])

    def _dmy(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text)
        if month is None:
            return None
        year = int(m.group("year")) if m.group("year") else None
        weekday = self.weekdays[words(m.group("weekday"))] if m.group("weekday") else None
        return Day(year, month, self._day_number(m), None if year else weekday)

    def _day_range(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text)
        first, last = int(m.group("d1")), int(m.group("day"))
        if month is None or first >= last:
            return None
        year = int(m.group("year")) if m.group("year") else None
        return Between(Day(year, month, first), Day(year, month, last))

    def _weekday_day(self, m: re.Match[str], text: str) -> Node:
        return Day(None, None, int(m.group("day")), self.weekdays[words(m.group("weekday"))])

    def _on_the(self, m: re.Match[str], text: str) -> Node:
        return Day(None, None, self._day_number(m))

    def _month_year(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text)
        return None if month is None else Month(month, int(m.group("year")))

    def _month_bare(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text, needs_cue=False)
        if month is None:
            return None
        which = words(m.group("which")).replace("this past", "last").replace("this coming", "next")
        return Month(month, None, which.replace("coming", "next") or None)

    def _weekday(self, m: re.Match[str], text: str) -> Node:
        which = words(m.group("which")) or "on"
        which = {"this past": "last", "past": "last", "this coming": "next", "coming": "next"}.get(
            which, which
        )
        return Weekday(self.weekdays[words(m.group("weekday"))], which, words(m.group("part")))

    def _nth_weekday(self, m: re.Match[str], text: str) -> Node | None:
        nth = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
        nth.update({"1st": 1, "2nd": 2, "3rd": 3, "4th": 4})
        n, weekday = nth[words(m.group("nth"))], self.weekdays[words(m.group("weekday"))]
        if m.group("every"):  # "the first Monday of the month": a monthly rule
            return Every(Recurrence("monthly", weekdays=(weekday,), nth=n))
        month = self._month(m, text, needs_cue=False)
        if month is None:
            return None
        year = int(m.group("year")) if m.group("year") else None
        return NthWeekday(weekday, n, month, year)

    def _every(self, m: re.Match[str], text: str) -> Node:
        what = words(m.group("what"))
        interval = 2 if m.group("other") else _number(m.group("n")) if m.group("n") else 1
        if what in self.weekdays:
            return Every(Recurrence("weekly", interval, (self.weekdays[what],)))
        if what in ("weekday", "weeknight"):
            return Every(Recurrence("weekly", interval, (0, 1, 2, 3, 4)))
        if what == "weekend":
            return Every(Recurrence("weekly", interval, (5, 6)))
        if what in V.SEASONS["north"]:
            return Every(Recurrence("yearly", interval, season=what))
        freq = {"week": "weekly", "month": "monthly", "year": "yearly"}.get(what, "daily")
        return Every(Recurrence(freq, interval))

    def _plural_weekdays(self, m: re.Match[str], text: str) -> Node:
        found = words(m.group(0))
        if re.search(r"weekday|weeknight|working|workday|business", found):
            return Every(Recurrence("weekly", weekdays=(0, 1, 2, 3, 4)))
        if "weekend" in found:
            return Every(Recurrence("weekly", weekdays=(5, 6)))
        days = sorted({n for name, n in self.weekdays.items() if name + "s" in found})
        return Every(Recurrence("weekly", weekdays=tuple(days)))

    def _weekday_range(self, m: re.Match[str], text: str) -> Node | None:
        table = {**self.weekdays, **V.ABBREVIATED_WEEKDAYS}
        first, last = table[words(m.group("w1"))], table[words(m.group("w2"))]
        if first == last:
            return None
        days = tuple((first + i) % 7 for i in range((last - first) % 7 + 1))
        return Every(Recurrence("weekly", weekdays=tuple(sorted(days))), base=Weekday(first, "on"))

    def _shift(self, m: re.Match[str], text: str) -> Node:
        g = m.groupdict()
        if g.get("unit4"):
            return Shift(None, _day_unit(g["unit4"]), 0, True)
        if g.get("unit3"):
            after = words(g["which"]) != "previous"
            return Shift(None, _day_unit(g["unit3"]), None, after)
        if g.get("unit2"):
            after = words(g["dir2"]) in ("later", "afterwards")
            return Shift(None, words(g["unit2"]), _number(g["num2"]), after)
        unit = words(g["unit"])
        count = _number(g["num"]) if g.get("num") else None
        if unit == "fortnight":
            unit, count = "week", 2 * (count or 1)
        if unit in self.weekdays:
            unit = f"wd{self.weekdays[unit]}"
        after = words(g["dir"]) in ("after", "following")
        return Shift(None, unit, count if count is not None else None, after)


# -- builders that need nothing else -------------------------------------------------------
def _prep_before(m: re.Match[str], text: str) -> bool:
    return bool(_PREP_TAIL.search(text, max(0, m.start() - 16), m.start()))


def _number(raw: str) -> int:
    raw = words(raw)
    return int(raw) if raw.isdigit() else V.NUMBERS.get(raw, 1)


def _day_unit(word: str) -> str:
    word = words(word)
    return "day" if word in ("morning", "evening", "night", "afternoon") else word


def _iso(m: re.Match[str], text: str) -> Node:
    day = Day(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if m.group("hh"):
        from app.timewords.nodes import Timed

        return Timed(day, Clock(time(int(m.group("hh")), int(m.group("mm")))))
    return day


def _numeric(m: re.Match[str], text: str) -> Node | None:
    a, b = int(m.group("a")), int(m.group("b"))
    day, month = (b, a) if b > 12 and a <= 12 else (a, b)  # day first, as most of the world
    groups = m.groupdict()
    year = groups.get("y")
    if year is None:
        return Day(None, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None
    full = int(year) if len(year) == 4 else 2000 + int(year)
    if len(year) == 2 and m.group("sep") == "-":
        return None  # "12-04-90" is as likely a code as a date
    return Day(full, month, day)


def _year(m: re.Match[str], text: str) -> Node:
    return Year(int(m.group("year")))


def _relative_day(m: re.Match[str], text: str) -> Node:
    part = words(m.group("part"))
    if m.group("before"):
        return Offset("day", -2, part)
    if m.group("after"):
        return Offset("day", 2, part)
    word = words(m.group("word"))
    count = {"yesterday": -1, "last night": -1, "tomorrow": 1}.get(word, 0)
    if word in ("tonight", "last night"):
        part = "night"
    elif word.startswith("this "):
        part = word[5:]
    return Offset("day", count, part)


def _relative_unit(m: re.Match[str], text: str) -> Node:
    if m.group("unit2"):
        count = -2 if words(m.group("dir")).startswith("before") else 2
        return Offset(words(m.group("unit2")), count)
    which, unit = words(m.group("which")), words(m.group("unit"))
    count = {"this": 0, "next": 1, "coming": 1}.get(which, -1)
    if unit in ("fortnight", "decade") or (which == "past" and unit != "weekend"):
        size = {"fortnight": ("week", 2), "decade": ("year", 10)}.get(unit, (unit, 1))
        return Rolling(size[0], size[1] * (count or 1))
    return Offset(unit, count)


def _ago(m: re.Match[str], text: str) -> Node | None:
    if m.group("num2"):
        if _NEGATED.search(text, max(0, m.start() - 40), m.start()):
            return None  # "not in two years": a duration, not a date
        unit, size = V.UNITS[words(m.group("unit2"))]
        return Offset(unit, _number(m.group("num2")) * size)
    unit, size = V.UNITS[words(m.group("unit"))]
    sign = 1 if words(m.group("dir")) == "from now" else -1
    return Offset(unit, sign * _number(m.group("num")) * size)


def _rolling(m: re.Match[str], text: str) -> Node:
    unit, size = V.UNITS[words(m.group("unit"))]
    sign = 1 if words(m.group("which")) in ("next", "coming") else -1
    return Rolling(unit, sign * _number(m.group("num")) * size)


def _season(m: re.Match[str], text: str) -> Node | None:
    name = words(m.group("season"))
    which = words(m.group("which")) or None
    which = {"past": "last", "previous": "last", "coming": "next"}.get(which or "", which)
    year = int(m.group("year")) if m.group("year") else None
    if m.group("yy"):
        year = 2000 + int(m.group("yy"))
    if not (which or year or m.group("prep")):
        return None  # "summer is here", "spring cleaning", "the fall of Rome"
    if name == "fall" and not (which or year or m.group("prep") and "the" in m.group(0).lower()):
        return None  # "fall in love": only "in the fall", "last fall", "fall 2022"
    return Season("autumn" if name == "fall" else name, year, which)


def _holiday(m: re.Match[str], text: str) -> Node | None:
    name = words(m.group("holiday")).replace("’", "'")
    year = int(m.group("year")) if m.group("year") else None
    which = words(m.group("which")) or None
    named_day = name.endswith((" day", " eve", "'s", "day")) or name.startswith("the ")
    if not (which or year or m.group("prep") or (named_day and name != "the holidays")):
        return None  # "a christmas tree", "happy new year"
    if name in V.HOLIDAY_PERIODS:
        return Holiday(name, year, which, V.HOLIDAY_PERIODS[name][1])
    canonical = _HOLIDAY_NAMES.get(name.replace("'", ""))
    if canonical is None:
        return None
    return Holiday(canonical, year, which)


_HOLIDAY_NAMES = {n.replace("'", ""): n for n in [*V.FIXED_HOLIDAYS, *V.MOVABLE_HOLIDAYS]}


def _clock(m: re.Match[str], text: str) -> Node | None:
    g = m.groupdict()
    if g.get("noon"):
        return Clock(time(12, 0) if words(g["noon"]) == "noon" else time(0, 0))
    if g.get("h24"):
        return Clock(time(int(g["h24"]), int(g["m24"])))
    at = _twelve(int(g["hour"]), int(g["minute"] or 0), g["ampm"])
    return None if at is None else Clock(at)


def _clock_range(m: re.Match[str], text: str) -> Node | None:
    g = m.groupdict()
    until = _twelve(int(g["hour"]), int(g["minute"] or 0), g["ampm"])
    first_ampm = g["ap1"] or g["ampm"]
    at = _twelve(int(g["h1"]), int(g["m1"] or 0), first_ampm)
    if at is not None and until is not None and at > until and not g["ap1"]:
        at = _twelve(int(g["h1"]), int(g["m1"] or 0), "am")  # "9-5pm": 9 in the morning
    if at is None or until is None or at >= until:
        return None
    return Clock(at, until)


def _twelve(hour: int, minute: int, ampm: str) -> time | None:
    if not 1 <= hour <= 12:
        return None
    pm = ampm.lower().startswith("p")
    return time(hour % 12 + (12 if pm else 0), minute)


def _adverb(m: re.Match[str], text: str) -> Node:
    adverb = words(m.group("adv"))
    if adverb == "every other day":
        return Every(Recurrence("daily", 2))
    if adverb:
        freq = {"nightly": "daily", "fortnightly": "weekly", "biweekly": "weekly"}.get(adverb)
        freq = freq or {"annually": "yearly"}.get(adverb, adverb)
        return Every(Recurrence(freq, 2 if adverb in ("fortnightly", "biweekly") else 1))
    unit = words(m.group("unit"))
    return Every(Recurrence({"day": "daily"}.get(unit, unit + "ly")))
