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

from app.timewords import builders as B
from app.timewords import vocab as V
from app.timewords.nodes import (
    Between,
    Day,
    Every,
    Month,
    Node,
    NthWeekday,
    Recurrence,
    Shift,
    Weekday,
)

Build = Callable[[re.Match[str], str], Node | None]
_DIGIT = re.compile(r"\d")
_THE_BEFORE = re.compile(r"(?i)\b(?:the|a|an)\s+$")


def alt(words: object) -> str:
    """A regex alternation of words, longest first, any run of spaces between their parts."""
    ordered = sorted({str(w) for w in words}, key=len, reverse=True)  # type: ignore[attr-defined]
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("'", "['’]?") for w in ordered)


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
                    r"|after|before|since|until|till|by|in|from|every|each)\s+)?"
                    rf"(?P<holiday>{alt([*holidays, *V.HOLIDAY_PERIODS])})(?:\s+{year})?\b",
                    re.I,
                ),
                B.holiday,
            ),
            Rule(
                "iso",
                r(
                    rf"{lead}(?P<y>\d{{4}})(?P<sep>[-/])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})"
                    r"(?:(?:T|\s+)(?P<hh>[01]?\d|2[0-3]):(?P<mm>[0-5]\d)(?::\d{2}(?:\.\d+)?)?"
                    r"(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d])"
                ),
                B.iso,
            ),
            Rule(
                "numeric",
                r(
                    rf"{lead}(?P<a>\d{{1,2}})(?P<sep>[./-])(?P<b>\d{{1,2}})(?P=sep)"
                    r"(?P<y>\d{4}|\d{2})(?![\d]|[./-]\d)"
                ),
                B.numeric,
            ),
            Rule("dotted", r(rf"{lead}(?P<a>[0-3]?\d)\.(?P<b>[01]?\d)\.(?![\w.])"), B.numeric),
            Rule(
                "slashed",
                r(
                    r"\b(?:on|by|until|till|from|since|before|after)\s+"
                    r"(?P<a>[0-3]?\d)/(?P<b>[01]?\d)(?![\d/])",
                    re.I,
                ),
                B.numeric,
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
                    r"|throughout|back\s+in|around|between|early|mid|late|(?:the\s+)?(?:start"
                    r"|beginning|middle|end)\s+of|(?P<which>last|next|this\s+past|this\s+coming"
                    r"|this|coming))[\s-]+(?:the\s+month\s+of\s+)?"
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
                    rf"|middle|end)\s+of)[\s-]+(?:the\s+year\s+)?{year}"
                    r"(?:\s*(?:-|–|to|and|until|till|through)\s*(?P<year2>(?:1[6-9]|20)\d{2})(?!\d))?",
                    re.I,
                ),
                B.year,
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
                B.relative_day,
            ),
            Rule(
                "relative_unit",
                r(
                    r"\b(?:the\s+)?(?P<which>this\s+past|this\s+coming|this|last|next|past"
                    r"|previous|coming)\s+(?P<unit>week|weekend|month|year|fortnight|decade)\b"
                    r"|\b(?P<part>early|mid|late|(?:the\s+)?(?:start|beginning|middle|end))"
                    r"(?:\s+of)?[\s-]+(?:the|this)\s+(?P<unit3>week|month|year)\b"
                    r"|\bthe\s+(?P<unit2>week|weekend|month|year)\s+(?P<dir>before\s+last"
                    r"|after\s+next)\b",
                    re.I,
                ),
                B.relative_unit,
            ),
            Rule(
                "ago",
                r(
                    rf"\b{num}\s+{unit}\s+(?P<dir>ago|back|before\s+now|from\s+now)\b"
                    rf"|\bin\s+{num.replace('num', 'num2')}\s+{unit.replace('unit', 'unit2')}"
                    r"(?:['’]?\s*time)?\b",
                    re.I,
                ),
                B.ago,
            ),
            Rule(
                "rolling",
                r(
                    r"\b(?:the\s+)?(?P<which>last|past|previous|next|coming)\s+"
                    rf"{num}\s+{unit}\b",
                    re.I,
                ),
                B.rolling,
            ),
            Rule(
                "weekday",
                r(
                    r"\b(?:(?P<which>last|next|this\s+past|this\s+coming|this|coming|past|on)\s+)?"
                    rf"{wd}(?!s\b){part}\b"
                    # "last Fri" with its capital: "I last sat down" is no Saturday
                    r"|\b(?P<which2>last|next|this|on|coming)\s+"
                    r"(?P<short>(?-i:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun))\b\.?"
                    r"|\b(?:over|during|at|on|for)\s+the\s+(?P<weekend>weekend)\b",
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
                B.season,
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
                B.clock,
            ),
            Rule(
                "clock_range",
                r(
                    r"(?:\b(?:from|between)\s+)?(?<![\w:.])(?P<h1>1[0-2]|0?[1-9])"
                    r"(?:[:.](?P<m1>[0-5]\d))?\s*(?P<ap1>am|pm)?\s*(?:-|–|to|until|till|and)\s*"
                    rf"{clock}"
                    r"|(?:\b(?:from|between)\s+)?(?<![\w:.])(?P<a24>[01]?\d|2[0-3]):(?P<b24>[0-5]\d)\s*"
                    r"(?:-|–|to|until|till|and)\s*(?P<c24>[01]?\d|2[0-3]):(?P<d24>[0-5]\d)\b",
                    re.I,
                ),
                B.clock_range,
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
                    r"|working\s+days|workdays|business\s+days)\b"
                    rf"|\b(?:on\s+)?(?:{alt(self.weekdays)})\s+(?:mornings|afternoons|evenings"
                    r"|nights)\b",
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
                B.adverb,
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
        self._needs()

    def _needs(self) -> None:
        """Words a rule cannot match without (each group: one of them), so that a text is only
        searched by the patterns that could match it. Short stems stand for many words ("day"
        for every weekday, "jun" for June); "0" stands for any digit."""
        digits = ("0",)
        months = tuple({name[:3] for name in self.months})
        ordinals: tuple[str, ...] = (
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
        )
        ordinals += ("ninth", "tenth", "eleventh", "twelfth", "teenth", "tieth")
        weekdays = ("day", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
        units = ("min", "hour", "hr", "day", "night", "week", "month", "year", "decade")
        holidays: tuple[str, ...] = (
            "christmas",
            "xmas",
            "easter",
            "halloween",
            "valentine",
            "thanksgiving",
        )
        holidays += ("boxing", "new year", "patrick", "of july", "holiday", "good friday")
        table: dict[str, tuple[tuple[str, ...], ...]] = {
            "holiday": (holidays,),
            "iso": (digits,),
            "numeric": (digits,),
            "dotted": (digits,),
            "slashed": (digits,),
            "dmy": ((*digits, *ordinals), months),
            "mdy": ((*digits, *ordinals), months),
            "day_range": (digits, months),
            "day_range_mdy": (digits, months),
            "ymd": (digits, months),
            "weekday_day": (digits, ("day",)),
            "on_the": ((*digits, *ordinals), ("the",)),
            "month_year": (digits, months),
            "month_bare": (months,),
            "year": (digits,),
            "relative_day": (("today", "tonight", "yesterday", "tomorrow", "night", "this "),),
            "relative_unit": (("week", "month", "year", "fortnight", "decade"),),
            "ago": (units,),
            "rolling": (("last", "past", "previous", "next", "coming"), units),
            "weekday": ((*weekdays, "weekend"),),
            "season": (("spring", "summer", "fall", "autumn", "winter"),),
            "nth_weekday": (("day",),),
            "clock": (("0", "noon", "midnight"),),
            "clock_range": (digits,),
            "every": (("every", "each"),),
            "plural_weekdays": (("days", "weekends", "weeknights", "day "),),
            "adverb": (("daily", "nightly", "weekly", "monthly", "yearly", "annually", "once"),),
            "weekday_range": (weekdays,),
            "shift": (
                ("day", "night", "week", "month", "year", "morning", "evening", "afternoon"),
                ("before", "after", "prior", "following", "later", "earlier", "next", "previous"),
            ),
        }
        table["adverb"] = (table["adverb"][0] + ("every other", "twice", "times"),)
        table["shift"] = (table["shift"][0], table["shift"][1] + ("that",))
        words = sorted({w for groups in table.values() for group in groups for w in group})
        self._bits = [(w, 1 << i) for i, w in enumerate(words) if w != "0"]
        self._digit_bit = 1 << words.index("0")
        bit = dict(zip(words, (1 << i for i in range(len(words))), strict=True))
        self._masks = [
            [sum(bit[w] for w in set(group)) for group in table[rule.name]] for rule in self.rules
        ]

    def candidates(self, text: str) -> list[Rule]:
        """The rules worth trying on `text`."""
        low = text.lower()
        present = self._digit_bit if _DIGIT.search(low) else 0
        for word, bit in self._bits:
            if word in low:
                present |= bit
        return [
            rule
            for rule, masks in zip(self.rules, self._masks, strict=True)
            if all(present & mask for mask in masks)
        ]

    # -- builders that need the vocabulary -----------------------------------------------
    def _month(self, m: re.Match[str], text: str, needs_cue: bool = True) -> int | None:
        raw = m.group("month")
        name = B.words(raw).rstrip(".")
        number = self.months.get(name)
        if number is None:
            return None
        if needs_cue and name in B.AMBIGUOUS_MONTHS and not raw[0].isupper():
            groups = m.groupdict()
            if not (groups.get("year") or groups.get("suffix") or B.prep_before(m, text)):
                return None
        return number

    def _day_number(self, m: re.Match[str]) -> int:
        groups = m.groupdict()
        if groups.get("ordinal"):
            return V.ORDINALS[B.words(groups["ordinal"]).replace(" ", "-")]
        return int(groups["day"])

    def _dmy(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text)
        if month is None:
            return None
        year = int(m.group("year")) if m.group("year") else None
        weekday = self.weekdays[B.words(m.group("weekday"))] if m.group("weekday") else None
        return Day(year, month, self._day_number(m), None if year else weekday)

    def _day_range(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text)
        first, last = int(m.group("d1")), int(m.group("day"))
        if month is None or first >= last:
            return None
        year = int(m.group("year")) if m.group("year") else None
        return Between(Day(year, month, first), Day(year, month, last))

    def _weekday_day(self, m: re.Match[str], text: str) -> Node:
        return Day(None, None, int(m.group("day")), self.weekdays[B.words(m.group("weekday"))])

    def _on_the(self, m: re.Match[str], text: str) -> Node:
        return Day(None, None, self._day_number(m))

    def _month_year(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text)
        return None if month is None else Month(month, int(m.group("year")))

    def _month_bare(self, m: re.Match[str], text: str) -> Node | None:
        month = self._month(m, text, needs_cue=False)
        if month is None:
            return None
        which = B.words(m.group("which")).removeprefix("this ").replace("past", "last")
        return Month(month, None, which.replace("coming", "next") or None)

    def _weekday(self, m: re.Match[str], text: str) -> Node | None:
        if m.group("weekend"):  # "over the weekend": the last one, or the next when ahead
            return Weekday(5, "on", "weekend")
        if not (m.group("which") or m.group("which2")) and _THE_BEFORE.search(
            text, max(0, m.start() - 5), m.start()
        ):
            return None  # "the Wednesday group": a name, not a day
        which = B.words(m.group("which") or m.group("which2")) or "on"
        which = {"this past": "last", "past": "last", "this coming": "coming"}.get(which, which)
        if m.group("short"):
            return Weekday(V.ABBREVIATED_WEEKDAYS[m.group("short").lower()], which)
        return Weekday(self.weekdays[B.words(m.group("weekday"))], which, B.words(m.group("part")))

    def _nth_weekday(self, m: re.Match[str], text: str) -> Node | None:
        nth = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
        nth.update({"1st": 1, "2nd": 2, "3rd": 3, "4th": 4})
        n, weekday = nth[B.words(m.group("nth"))], self.weekdays[B.words(m.group("weekday"))]
        if m.group("every"):  # "the first Monday of the month": a monthly rule
            return Every(Recurrence("monthly", weekdays=(weekday,), nth=n))
        month = self._month(m, text, needs_cue=False)
        if month is None:
            return None
        year = int(m.group("year")) if m.group("year") else None
        return NthWeekday(weekday, n, month, year)

    def _every(self, m: re.Match[str], text: str) -> Node:
        what = B.words(m.group("what"))
        interval = 2 if m.group("other") else B.number(m.group("n")) if m.group("n") else 1
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
        found = B.words(m.group(0))
        if re.search(r"weekday|weeknight|working|workday|business", found):
            return Every(Recurrence("weekly", weekdays=(0, 1, 2, 3, 4)))
        if "weekend" in found:
            return Every(Recurrence("weekly", weekdays=(5, 6)))
        days = sorted({n for name, n in self.weekdays.items() if name in found})
        return Every(Recurrence("weekly", weekdays=tuple(days)))

    def _weekday_range(self, m: re.Match[str], text: str) -> Node | None:
        table = {**self.weekdays, **V.ABBREVIATED_WEEKDAYS}
        first, last = table[B.words(m.group("w1"))], table[B.words(m.group("w2"))]
        if first == last:
            return None
        days = tuple((first + i) % 7 for i in range((last - first) % 7 + 1))
        short = B.words(m.group("w1")) in V.ABBREVIATED_WEEKDAYS
        if short:  # "Mon-Fri": how opening hours are written, not one week
            return Every(Recurrence("weekly", weekdays=tuple(sorted(days))))
        return Every(Recurrence("weekly", weekdays=tuple(sorted(days))), base=Weekday(first, "on"))

    def _shift(self, m: re.Match[str], text: str) -> Node:
        g = m.groupdict()
        if g.get("unit4"):
            return Shift(None, B.day_unit(g["unit4"]), 0, True)
        if g.get("unit3"):
            after = B.words(g["which"]) != "previous"
            return Shift(None, B.day_unit(g["unit3"]), None, after)
        if g.get("unit2"):
            after = B.words(g["dir2"]) in ("later", "afterwards")
            return Shift(None, B.words(g["unit2"]), B.number(g["num2"]), after)
        unit = B.words(g["unit"])
        count = B.number(g["num"]) if g.get("num") else None
        if unit == "fortnight":
            unit, count = "week", 2 * (count or 1)
        if unit in self.weekdays:
            unit = f"wd{self.weekdays[unit]}"
        after = B.words(g["dir"]) in ("after", "following")
        return Shift(None, unit, count, after)
