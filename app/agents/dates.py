"""Dates and times in text, resolved against the moment the text was written.

"yesterday" in a message sent on 8 May 2023 is 7 May 2023; "last week" is the week of 1 May;
"at 3pm" on its own is 15:00 that day. Each mention keeps its precision (time, day, week, month,
year) so a memory says no more than the text did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
WEEKDAYS = {
    name: n
    for n, name in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "a couple of": 2,
    "couple of": 2,
    "three": 3,
    "a few": 3,
    "few": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_NUM = r"(?P<num>\d{1,2}|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_TIME = r"(?:at\s+)?(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "iso",
        re.compile(
            r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<hh>\d{2}):(?P<mm>\d{2}))?\b"
        ),
    ),
    (
        "dmy",
        re.compile(
            r"\b(?:on\s+)?(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
            + _MONTH
            + r"(?:,?\s+(?P<year>\d{4}))?\b",
            re.I,
        ),
    ),
    (
        "mdy",
        re.compile(
            r"\b(?:on\s+)?"
            + _MONTH
            + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?\b",
            re.I,
        ),
    ),
    ("month_year", re.compile(r"\b(?:in\s+)?" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.I)),
    ("ago", re.compile(r"\b" + _NUM + r"\s+" + _UNIT + r"\s+ago\b", re.I)),
    ("in_n", re.compile(r"\bin\s+" + _NUM + r"\s+" + _UNIT + r"\b", re.I)),
    ("day_before", re.compile(r"\bthe\s+day\s+before\s+yesterday\b", re.I)),
    ("day_after", re.compile(r"\bthe\s+day\s+after\s+tomorrow\b", re.I)),
    (
        "relative_day",
        re.compile(
            r"\b(?P<word>yesterday|today|tonight|tomorrow|this\s+(?:morning|afternoon|evening))\b",
            re.I,
        ),
    ),
    (
        "relative_span",
        re.compile(
            r"\b(?P<which>last|next|this|past)\s+(?P<span>week(?:end)?|month|year|summer|winter|spring|fall|autumn)\b",
            re.I,
        ),
    ),
    ("relative_weekday", re.compile(r"\b(?P<which>last|next|this|on)\s+" + _WEEKDAY + r"\b", re.I)),
    ("year", re.compile(r"\bin\s+(?P<year>(?:19|20)\d{2})\b")),
]
_TIME_RE = re.compile(
    r"\b" + _TIME + r"|\bat\s+(?P<h24>\d{1,2}):(?P<m24>\d{2})\b|\b(?P<noon>noon|midnight)\b", re.I
)
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    day: date  # the first day the mention covers
    precision: str  # "time" | "day" | "week" | "weekend" | "month" | "season" | "year"
    at: time | None = None

    def label(self) -> str:
        """How a memory says it: no more precise than the text was."""
        d = self.day
        if self.precision == "time" and self.at is not None:
            return f"{d.day} {d:%B %Y}, {self.at:%H:%M}"
        if self.precision == "day":
            return f"{d.day} {d:%B %Y}"
        if self.precision == "week":
            return f"the week of {d.day} {d:%B %Y}"
        if self.precision == "weekend":
            return f"the weekend of {d.day} {d:%B %Y}"
        if self.precision in ("month", "season"):
            return f"{d:%B %Y}" if self.precision == "month" else f"{_season(d)} {d.year}"
        return str(d.year)

    def moment(self, tz: object) -> datetime:
        return datetime.combine(self.day, self.at or time(12, 0), tzinfo=tz)  # type: ignore[arg-type]


def _season(d: date) -> str:
    return {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}.get(d.month, d.strftime("%B"))


def _number(raw: str) -> int:
    raw = raw.lower()
    return int(raw) if raw.isdigit() else NUMBERS.get(raw, 1)


def _shift_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _resolve(kind: str, m: re.Match[str], now: datetime) -> tuple[date, str] | None:
    today = now.date()
    g = m.groupdict()
    try:
        if kind == "iso":
            return date(int(g["y"]), int(g["m"]), int(g["d"])), "day"
        if kind in ("dmy", "mdy"):
            month = MONTHS[g["month"].lower().rstrip(".")]
            year = int(g["year"]) if g.get("year") else today.year
            candidate = date(year, month, int(g["day"]))
            if not g.get("year") and candidate > today + timedelta(days=180):
                candidate = candidate.replace(year=year - 1)  # "on 28 December", said in January
            return candidate, "day"
        if kind == "month_year":
            return date(int(g["year"]), MONTHS[g["month"].lower().rstrip(".")], 1), "month"
        if kind in ("ago", "in_n"):
            n = _number(g["num"]) * (-1 if kind == "ago" else 1)
            unit = g["unit"].lower()
            if unit == "day":
                return today + timedelta(days=n), "day"
            if unit == "week":
                start = today + timedelta(weeks=n)
                return start - timedelta(days=start.weekday()), "week"
            if unit == "month":
                return _shift_months(today, n), "month"
            return date(today.year + n, 1, 1), "year"
        if kind == "day_before":
            return today - timedelta(days=2), "day"
        if kind == "day_after":
            return today + timedelta(days=2), "day"
        if kind == "relative_day":
            word = g["word"].lower()
            offset = {"yesterday": -1, "tomorrow": 1}.get(word, 0)
            return today + timedelta(days=offset), "day"
        if kind == "relative_span":
            which, span = g["which"].lower(), g["span"].lower()
            step = {"last": -1, "past": -1, "next": 1}.get(which, 0)
            if span.startswith("week"):
                monday = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
                if span == "weekend":
                    return monday + timedelta(days=5), "weekend"
                return monday, "week"
            if span == "month":
                return _shift_months(today, step), "month"
            if span == "year":
                return date(today.year + step, 1, 1), "year"
            month = _SEASONS[span]
            year = today.year + step
            return date(year, month, 1), "season"
        if kind == "relative_weekday":
            which, target = g["which"].lower(), WEEKDAYS[g["weekday"].lower()]
            delta = target - today.weekday()
            if which == "last" or (which == "on" and delta >= 0):
                delta = delta - 7 if delta >= 0 else delta
            elif which == "next":
                delta = delta + 7 if delta <= 0 else delta
            return today + timedelta(days=delta), "day"
        if kind == "year":
            return date(int(g["year"]), 1, 1), "year"
    except (ValueError, KeyError):
        return None
    return None


def find_dates(text: str, now: datetime) -> list[DateMention]:
    """Every date mention, resolved against `now` (the moment the text was written)."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            resolved = _resolve(kind, m, now)
            if resolved is None:
                continue
            day, precision = resolved
            at = None
            if kind == "iso" and m.group("hh"):
                at, precision = time(int(m.group("hh")), int(m.group("mm"))), "time"
            taken.append(m.span())
            found.append(DateMention(m.group(0).strip(), m.start(), m.end(), day, precision, at))
    # A time next to a day ("tomorrow at 3pm") sharpens it; a time alone means that day.
    for tm in _TIME_RE.finditer(text):
        if any(tm.start() < end and start < tm.end() for start, end in taken):
            continue
        at = _time_of(tm)
        if at is None:
            continue
        near = [
            d
            for d in found
            if d.precision == "day"
            and (0 <= tm.start() - d.end <= 12 or 0 <= d.start - tm.end() <= 12)
        ]
        if near:
            base = near[0]
            found[found.index(base)] = DateMention(
                text[min(base.start, tm.start()) : max(base.end, tm.end())].strip(),
                min(base.start, tm.start()),
                max(base.end, tm.end()),
                base.day,
                "time",
                at,
            )
        else:
            found.append(
                DateMention(tm.group(0).strip(), tm.start(), tm.end(), now.date(), "time", at)
            )
        taken.append(tm.span())
    return sorted(found, key=lambda d: d.start)


def _time_of(m: re.Match[str]) -> time | None:
    g = m.groupdict()
    if g.get("noon"):
        return time(12, 0) if g["noon"].lower() == "noon" else time(0, 0)
    if g.get("h24"):
        hour, minute = int(g["h24"]), int(g["m24"])
    else:
        hour, minute = int(g["hour"]), int(g["minute"] or 0)
        pm = g["ampm"].lower().startswith("p")
        if hour > 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
