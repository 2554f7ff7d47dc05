"""Deterministic extractors: run before any model and independent of its quality.

E-mail addresses, phone numbers, clearly labelled postal addresses, URLs and dates (resolved
against the input's timestamp). Each extraction says whose it is when the text says so ("my
e-mail" is the speaker's, "Ana's number" is Ana's), so it can become the right memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from app.timewords import DateMention, find_dates

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}\b")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\])}]{2,2000}", re.I)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?!\w)"
)
_PHONE_CUE = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|call|text|whatsapp|signal|number|fax|ring|dial)\b"
)
_ADDRESS = re.compile(
    r"(?i)\b(?:(?:home|work|office|postal|mailing|shipping|billing|delivery|street|new)\s+)?"
    r"(?:address(?:\s+is)?|i\s+live\s+at|we\s+live\s+at|located\s+at|ship\s+(?:it\s+)?to)"
    r"\s*[:\-–]?\s*(?P<addr>[^\n;]{6,160})"
)
_ABBREVIATIONS = ("st", "rd", "ave", "av", "blvd", "dr", "ln", "no", "apt", "ste", "mt", "ft")
_KIND_WORDS = {
    "email": r"e-?mail(?:\s+address)?",
    "phone": r"(?:phone|mobile|cell|telephone)(?:\s+number)?|number",
    "address": r"(?:home\s+|work\s+|postal\s+|shipping\s+)?address",
}
_LABEL = re.compile(r"(?i)\b(work|home|office|personal|private|business|mobile|cell)\b")


@dataclass(frozen=True)
class Extraction:
    kind: str  # "email" | "phone" | "address" | "url" | "date"
    value: str  # normalised
    text: str  # as written
    start: int
    owner: str | None = None  # whose it is, when the text says so
    label: str | None = None  # "work", "home", ...
    date: DateMention | None = None

    @property
    def key(self) -> str:
        """What makes two extractions the same thing (digits only for phones, etc.)."""
        if self.kind == "phone":
            return re.sub(r"\D", "", self.value)
        if self.kind in ("email", "url"):
            return self.value.lower().rstrip("/")
        return " ".join(self.value.lower().split())


def _owner(text: str, start: int, kind: str, speaker: str | None) -> str | None:
    """'my e-mail is', 'email me at' -> the speaker; "Ana's e-mail" -> Ana."""
    before = text[max(0, start - 60) : start]
    words = _KIND_WORDS.get(kind, r"\w+")
    if re.search(rf"(?i)\bmy\s+(?:\w+\s+)?(?:{words})\b[^.!?]*$", before) or re.search(
        r"(?i)\b(?:reach|call|text|email|e-mail|contact|find|write\s+to)\s+me\s+(?:at|on)\s*$",
        before,
    ):
        return speaker
    possessive = re.search(rf"\b([A-Z][a-z]+)['’]s\s+(?:\w+\s+)?(?:{words})\b[^.!?]*$", before)
    if possessive:
        return possessive.group(1)
    named = re.search(
        r"\b(?:[Cc]all|[Tt]ext|[Rr]each|[Ee]-?mail|[Cc]ontact|[Ww]rite\s+to)\s+([A-Z][a-z]+)"
        r"\s+(?:at|on)\s*$",
        before,
    )
    return named.group(1) if named else None


def _label(text: str, start: int) -> str | None:
    labels = _LABEL.findall(text[max(0, start - 30) : start])
    return labels[-1].lower() if labels else None


def _clean_address(raw: str) -> str | None:
    raw = raw.strip(" .,:")
    # End at a sentence break that is not an abbreviation ("12 Main St. Apt 4" continues).
    for match in re.finditer(r"\.\s+(?=[A-Z])", raw):
        token = raw[: match.start()].rsplit(" ", 1)[-1].lower()
        if token not in _ABBREVIATIONS:
            raw = raw[: match.start()]
            break
    raw = re.split(r"(?i)\s+(?:and|but|so)\s+(?:i|we|you|it)\b|[!?]", raw)[0].strip(" .,")
    if not re.search(r"\d", raw) or len(raw) < 6:
        return None  # "clearly labelled" and concrete: a street number or a postcode
    return raw


def extract(text: str, now: datetime, speaker: str | None = None) -> list[Extraction]:
    """Everything deterministic in one text. `now` is when it was written."""
    found: list[Extraction] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return not any(span[0] < end and start < span[1] for start, end in taken)

    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        taken.append((m.start(), m.start() + len(url)))
        value = url if url.lower().startswith("http") else "https://" + url
        found.append(Extraction("url", value, url, m.start()))
    for m in _EMAIL.finditer(text):
        if not free(m.span()):
            continue
        taken.append(m.span())
        local, _, domain = m.group(0).partition("@")
        found.append(
            Extraction(
                "email",
                f"{local}@{domain.lower()}",
                m.group(0),
                m.start(),
                _owner(text, m.start(), "email", speaker),
                _label(text, m.start()),
            )
        )
    for m in _ADDRESS.finditer(text):
        address = _clean_address(m.group("addr"))
        if address is None:
            continue
        start = m.start("addr")
        taken.append((start, start + len(address)))
        found.append(
            Extraction(
                "address",
                address,
                address,
                start,
                _owner(text, m.start("addr"), "address", speaker)
                or (speaker if re.match(r"(?i)\s*(?:i|we)\s+live", m.group(0)) else None),
                _label(text, m.start() + 8),
            )
        )
    dates = find_dates(text, now)
    for m in _PHONE.finditer(text):
        span = m.span()
        digits = re.sub(r"\D", "", m.group(0))
        if not free(span) or not 7 <= len(digits) <= 15:
            continue
        if any(d.start < span[1] and span[0] < d.end for d in dates):
            continue
        formatted = bool(re.search(r"^\+|\(\d+\)|\d[-.\s]\d{3,4}[-.\s]\d{3,4}$", m.group(0)))
        cue = _PHONE_CUE.search(text[max(0, span[0] - 40) : span[0]])
        if not (formatted or cue) or re.fullmatch(r"(?:19|20)\d{2}", digits):
            continue
        taken.append(span)
        found.append(
            Extraction(
                "phone",
                " ".join(m.group(0).split()),
                m.group(0),
                span[0],
                _owner(text, span[0], "phone", speaker),
                _label(text, span[0]),
            )
        )
    for d in dates:
        if free((d.start, d.end)):
            found.append(Extraction("date", d.label(), d.text, d.start, date=d))
    return sorted(found, key=lambda e: e.start)
