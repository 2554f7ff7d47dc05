"""Builders: what a match of the grammar means, as a node. Each takes the match and the whole
text (to look at the words before it) and returns None when the match is not a date after all
("5 may be", "fall in love", "a christmas tree")."""

from __future__ import annotations

import re
from datetime import time

from app.timewords import vocab as V
from app.timewords.nodes import (
    Between,
    Clock,
    Day,
    Every,
    Holiday,
    Node,
    Offset,
    Part,
    Recurrence,
    Rolling,
    Season,
    Timed,
    Year,
)

AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar", "jan", "jun", "dec", "sept"})
_NEGATED = re.compile(r"(?i)(?:\b(?:not|never|only)\b|n't\b|\bfirst\s+time\b)")
_PREP_TAIL = re.compile(
    r"\b(?:on|in|by|until|till|since|from|before|after|during|for|of|early|mid|late|between"
    r"|through|around|every|each)[\s-]+(?:the\s+)?$",
    re.I,
)


def words(value: str | None) -> str:
    return " ".join((value or "").lower().replace("’", "'").split())


def prep_before(m: re.Match[str], text: str) -> bool:
    return bool(_PREP_TAIL.search(text, max(0, m.start() - 16), m.start()))


def number(raw: str) -> int:
    raw = words(raw)
    return int(raw) if raw.isdigit() else V.NUMBERS.get(raw, 1)


def day_unit(word: str) -> str:
    word = words(word)
    return "day" if word in ("morning", "evening", "night", "afternoon") else word


def iso(m: re.Match[str], text: str) -> Node:
    day = Day(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if m.group("hh"):
        return Timed(day, Clock(time(int(m.group("hh")), int(m.group("mm")))))
    return day


def numeric(m: re.Match[str], text: str) -> Node | None:
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


def year(m: re.Match[str], text: str) -> Node | None:
    first = Year(int(m.group("year")))
    if m.group("year2") is None:
        return first
    last = int(m.group("year2"))
    return Between(first, Year(last)) if last > first.year else None


def relative_day(m: re.Match[str], text: str) -> Node:
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


def relative_unit(m: re.Match[str], text: str) -> Node:
    if m.group("unit3"):  # "the end of the month": of this one
        part = words(m.group("part")).removeprefix("the ")
        part = {"beginning": "start", "middle": "mid"}.get(part, part)
        return Part(Offset(words(m.group("unit3")), 0), part)
    if m.group("unit2"):
        count = -2 if words(m.group("dir")).startswith("before") else 2
        return Offset(words(m.group("unit2")), count)
    which, unit = words(m.group("which")), words(m.group("unit"))
    which = {"this past": "last", "this coming": "next"}.get(which, which)
    count = {"this": 0, "next": 1, "coming": 1}.get(which, -1)
    if unit in ("fortnight", "decade") or (which == "past" and unit != "weekend"):
        size = {"fortnight": ("week", 2), "decade": ("year", 10)}.get(unit, (unit, 1))
        return Rolling(size[0], size[1] * (count or 1))
    return Offset(unit, count)


def ago(m: re.Match[str], text: str) -> Node | None:
    if m.group("num2"):
        if _NEGATED.search(text, max(0, m.start() - 40), m.start()):
            return None  # "not in two years": a duration, not a date
        unit, size = V.UNITS[words(m.group("unit2"))]
        return Offset(unit, number(m.group("num2")) * size)
    unit, size = V.UNITS[words(m.group("unit"))]
    sign = 1 if words(m.group("dir")) == "from now" else -1
    return Offset(unit, sign * number(m.group("num")) * size)


def rolling(m: re.Match[str], text: str) -> Node:
    unit, size = V.UNITS[words(m.group("unit"))]
    sign = 1 if words(m.group("which")) in ("next", "coming") else -1
    return Rolling(unit, sign * number(m.group("num")) * size)


def season(m: re.Match[str], text: str) -> Node | None:
    name = words(m.group("season"))
    which = words(m.group("which")) or None
    which = {"past": "last", "previous": "last", "coming": "next"}.get(which or "", which)
    year = int(m.group("year")) if m.group("year") else None
    if m.group("yy"):
        year = 2000 + int(m.group("yy"))
    if not (which or year or m.group("prep")):
        return None  # "summer is here", "spring cleaning", "the fall of Rome"
    if name == "fall" and not (which or year or (m.group("prep") and "the" in m.group(0).lower())):
        return None  # "fall in love": only "in the fall", "last fall", "fall 2022"
    return Season("autumn" if name == "fall" else name, year, which)


def holiday(m: re.Match[str], text: str) -> Node | None:
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


def clock(m: re.Match[str], text: str) -> Node | None:
    g = m.groupdict()
    if g.get("noon"):
        return Clock(time(12, 0) if words(g["noon"]) == "noon" else time(0, 0))
    if g.get("h24"):
        return Clock(time(int(g["h24"]), int(g["m24"])))
    at = twelve(int(g["hour"]), int(g["minute"] or 0), g["ampm"])
    return None if at is None else Clock(at)


def clock_range(m: re.Match[str], text: str) -> Node | None:
    g = m.groupdict()
    if g.get("a24"):
        start, end = time(int(g["a24"]), int(g["b24"])), time(int(g["c24"]), int(g["d24"]))
        return Clock(start, end) if start < end else None
    until = twelve(int(g["hour"]), int(g["minute"] or 0), g["ampm"])
    first_ampm = g["ap1"] or g["ampm"]
    at = twelve(int(g["h1"]), int(g["m1"] or 0), first_ampm)
    if at is not None and until is not None and at > until and not g["ap1"]:
        at = twelve(int(g["h1"]), int(g["m1"] or 0), "am")  # "9-5pm": 9 in the morning
    if at is None or until is None or at >= until:
        return None
    return Clock(at, until)


def twelve(hour: int, minute: int, ampm: str) -> time | None:
    if not 1 <= hour <= 12:
        return None
    pm = ampm.lower().startswith("p")
    return time(hour % 12 + (12 if pm else 0), minute)


def adverb(m: re.Match[str], text: str) -> Node:
    adverb = words(m.group("adv"))
    if adverb == "every other day":
        return Every(Recurrence("daily", 2))
    if adverb:
        freq = {"nightly": "daily", "fortnightly": "weekly", "biweekly": "weekly"}.get(adverb)
        freq = freq or {"annually": "yearly"}.get(adverb, adverb)
        return Every(Recurrence(freq, 2 if adverb in ("fortnightly", "biweekly") else 1))
    unit = words(m.group("unit"))
    return Every(Recurrence({"day": "daily"}.get(unit, unit + "ly")))
