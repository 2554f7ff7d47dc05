"""What a sentence claims that can be checked: names, numbers, dates, times, e-mails, links, codes.

A language model invents exactly these ("closed for 12 months", "Sheffield Office",
"2027-05-28"), and each can be compared with the memories once normalised: "9pm" and "21:00" are
one time, "14 February" and "February 14th" one day, "1,284.50" and "1284.5" one amount. Words
and paraphrase are not claims; `app.agents.grounded` decides what is supported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.agents.text import NOT_NAMES, STOPWORDS
from app.agents.when import MONTHS, WEEKDAYS
from app.reading.lexicon import known_word


@dataclass(frozen=True)
class Claim:
    """One checkable thing a text states: `keys` are its normalised forms (any one may match)."""

    kind: str  # "name" | "literal" | "number" | "digits" | "date" | "year" | "month" | "time"
    text: str  # as written, for the person or a log
    keys: tuple[object, ...]


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"')\]]+")
_MONTH_WORD = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_SLASH = re.compile(r"\b(\d{1,2})(?:/(\d{1,2})(?:/(\d{2,4}))?|\.(\d{1,2})\.(\d{4}))\b")
_VERSION = re.compile(r"\b\d+(?:\.\d+){2,}\b")
_DMY = re.compile(
    r"(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + _MONTH_WORD + r")\.?(?:,?\s+(\d{4}))?\b"
)
_MDY = re.compile(r"(?i)\b(" + _MONTH_WORD + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?")
_MONTH_ALONE = re.compile(r"(?i)\b(" + _MONTH_WORD + r")\b")
_TIME_AMPM = re.compile(r"(?i)\b(\d{1,2})(?:[:.](\d{2}))?\s*(a\.m\.|p\.m\.|am|pm)(?![a-z])")
_OCLOCK = re.compile(r"(?i)\b(\d{1,2})\s*o['’]?\s?clock\b")
_TIME_24 = re.compile(r"\b(\d{1,2})[:h](\d{2})\b")
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")
_SCALED = re.compile(r"(?i)(\d+(?:[.,]\d+)?)\s*(million|billion|thousand|mn|bn|k|m)\b(?!\w)")
_ORDINAL = re.compile(r"(?i)\b(\d{1,4})(?:st|nd|rd|th)\b")
_CODE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[^\W_]+(?:-[^\W_]+)*\b", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(?![\w])")
_LIST_MARKER = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-*•])\s+")
_CITATION = re.compile(r"\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]")
_CAPITAL = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*", re.UNICODE)

NUMBER_WORDS = {
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
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "dozen": 12,
    "twice": 2,
}
_NUMBER_WORD = re.compile(r"(?i)\b(" + "|".join(NUMBER_WORDS) + r")\b")
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9}
_SCALE["bn"] = 1e9
# Capitalised words that name no one: weekdays and months are checked as dates, these not at all.
_PLAIN = {w.lower() for w in NOT_NAMES} | {"memloci", "i", "ok", "okay"}
_TITLES = frozenset({"mr", "mrs", "ms", "mx", "dr", "prof", "sir", "st", "mt"})
_PLAIN |= _TITLES


def fold(text: str) -> str:
    """Lower case without accents or typographic quotes: "Gdańsk" and "gdansk" are one name."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def number_value(raw: str) -> float | None:
    """1,284.50 -> 1284.5; 10,5 -> 10.5; 1.284,50 -> 1284.5."""
    raw = raw.strip()
    if "," in raw and "." in raw:
        decimal = "." if raw.rfind(".") > raw.rfind(",") else ","
        raw = raw.replace("," if decimal == "." else ".", "").replace(",", ".")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 else f"{head.replace(',', '')}.{tail}"
    try:
        return float(raw)
    except ValueError:
        return None


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _day(month: int, day: int) -> tuple[str, int, int] | None:
    try:
        date(2000, month, day)  # a leap year: 29 February is a day
    except ValueError:
        return None
    return ("day", month, day)


def _time_key(hour: int, minute: int) -> tuple[str, int] | None:
    if hour > 23 or minute > 59:
        return None
    return ("time", hour * 60 + minute)


def initial(text: str, start: int) -> bool:
    """Does the word at `start` open a sentence, a line, a list item or a quotation?"""
    before = _CITATION.sub(" ", text[:start]).rstrip(" \t\"'“‘(*_[#>")
    before = re.sub(r"(?:^|\n)\s*(?:\d{1,2}[.)]|[-*•])\s*$", "\n", before)
    if (
        before.endswith(".")
        and fold(before[:-1].rsplit(None, 1)[-1] if before[:-1].split() else "") in _TITLES
    ):
        return False  # "Dr. Quill": a title, not the end of a sentence
    return not before or before[-1] in ".!?:;\n—–-"


def is_word(word: str) -> bool:
    """An ordinary English word (so "Bananas" opening a sentence is no name; "Zorro" is)."""
    try:
        return bool(known_word(word))
    except Exception:  # a lexicon that cannot load must not stop an answer
        return True


def claims(text: str, is_word: Callable[[str], bool] | None = None) -> list[Claim]:
    """Every checkable claim of `text`. `is_word` says whether a capitalised word that opens a
    sentence is an ordinary English word (then it is no name); without it openers are skipped,
    as the personal benchmark does."""
    return scan(text, is_word)[0]


def scan(text: str, is_word: Callable[[str], bool] | None = None) -> tuple[list[Claim], str]:
    """The claims, and the text with every dated, numbered or literal part blanked out."""
    found: list[Claim] = []
    work = _CITATION.sub(lambda m: " " * len(m.group(0)), text)
    work = _LIST_MARKER.sub(lambda m: " " * len(m.group(0)), work)

    def take(pattern: re.Pattern[str], make: Callable[[re.Match[str]], list[Claim]]) -> None:
        nonlocal work
        for match in list(pattern.finditer(work)):
            made = make(match)
            if made:
                found.extend(made)
                work = _mask(work, match.start(), match.end())

    take(_EMAIL, lambda m: [Claim("literal", m.group(0), (fold(m.group(0)),))])
    take(_URL, lambda m: [Claim("literal", m.group(0), (fold(m.group(0).rstrip(".,;:!?")),))])
    take(_ISO, lambda m: _dated(m.group(0), int(m.group(2)), int(m.group(3)), m.group(1)))
    take(_DMY, lambda m: _dated(m.group(0), MONTHS[m.group(2).lower()], int(m.group(1)), m[3]))
    take(_MDY, lambda m: _dated(m.group(0), MONTHS[m.group(1).lower()], int(m.group(2)), m[3]))
    take(_TIME_AMPM, _ampm)
    take(_TIME_24, _clock)
    take(_OCLOCK, _oclock)
    take(_SCALED, _scaled)
    take(_SLASH, _slashed)
    take(_VERSION, lambda m: [Claim("literal", m.group(0), (m.group(0),))])
    take(_PHONE, _phone)
    take(_ORDINAL, lambda m: [Claim("number", m.group(0), (("n", float(m.group(1))),))])
    take(_CODE, lambda m: [Claim("literal", m.group(0), (fold(m.group(0)),))])
    take(_NUMBER, _plain)
    take(
        _NUMBER_WORD,
        lambda m: [Claim("number", m.group(0), (("n", float(NUMBER_WORDS[m.group(1).lower()])),))],
    )
    take(_MONTH_ALONE, _month)
    for match in _CAPITAL.finditer(work):
        word = match.group(0).rstrip("'’-")
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) < 2 or not word[0].isupper():
            continue
        low = fold(word)
        if low in _PLAIN or low in WEEKDAYS or low in STOPWORDS:
            continue
        if initial(work, match.start()) and (is_word is None or is_word(word)):
            continue
        found.append(Claim("name", word, (low,)))
    return found, work


def _dated(text: str, month: int, day: int, year: str | None) -> list[Claim]:
    key = _day(month, day)
    if key is None:
        return []
    out = [Claim("date", text, (key,))]
    if year:
        out.append(Claim("year", year, (("year", int(year)),)))
    return out


def _ampm(m: re.Match[str]) -> list[Claim]:
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if not 1 <= hour <= 12:
        return []
    pm = m.group(3).lower().startswith("p")
    key = _time_key(hour % 12 + (12 if pm else 0), minute)
    return [Claim("time", m.group(0), (key,))] if key else []


def _oclock(m: re.Match[str]) -> list[Claim]:
    hour = int(m.group(1))
    keys = tuple(k for k in (_time_key(hour % 12, 0), _time_key(hour % 12 + 12, 0)) if k)
    return [Claim("time", m.group(0), keys)] if keys else []


def _clock(m: re.Match[str]) -> list[Claim]:
    key = _time_key(int(m.group(1)), int(m.group(2)))
    return [Claim("time", m.group(0), (key,))] if key else []


def _slashed(m: re.Match[str]) -> list[Claim]:
    """14/02, 14/02/2026 (day or month first: either reading) and 14.02.2026."""
    a = int(m.group(1))
    b = int(m.group(2) or m.group(4))
    year = m.group(3) or m.group(5)
    keys = tuple(k for k in (_day(b, a), _day(a, b)) if k)
    if not keys:
        return []
    out = [Claim("date", m.group(0), keys)]
    if year and len(year) == 4:
        out.append(Claim("year", year, (("year", int(year)),)))
    return out


def _phone(m: re.Match[str]) -> list[Claim]:
    raw = m.group(0).strip()
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 7 or not (raw.startswith(("+", "(")) or len(digits) >= 9):
        return []  # "1990 - 2000" is two years, not a phone number
    return [Claim("digits", m.group(0).strip(), (("digits", digits),))]


def _scaled(m: re.Match[str]) -> list[Claim]:
    value = number_value(m.group(1))
    if value is None:
        return []
    scale = _SCALE[m.group(2).lower()]
    return [Claim("number", m.group(0), (("n", round(value * scale, 6)),))]


def _plain(m: re.Match[str]) -> list[Claim]:
    raw = m.group(1)
    value = number_value(raw)
    keys: list[object] = []
    if value is not None:
        keys.append(("n", value))
    if raw.isdigit() and len(raw) >= 4:
        keys.append(("digits", raw))
    kind = "year" if len(raw) == 4 and raw.isdigit() and 1000 <= int(raw) <= 2999 else "number"
    if kind == "year":
        keys.append(("year", int(raw)))
    return [Claim(kind, raw, tuple(keys))] if keys else []


def _month(m: re.Match[str]) -> list[Claim]:
    word = m.group(1)
    if not word[0].isupper() and (len(word) <= 3 or word.lower() in ("may", "march")):
        return []  # "may", "march", "jan" in running text are rarely months
    return [Claim("month", word, (("month", MONTHS[word.lower()]),))]
