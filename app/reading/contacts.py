"""Contact details in a message: e-mails, phones, links (from app.agents.extractors) and street
addresses, including the unlabelled ones a person types into a list ("home 12 Ardfallen Road,
Douglas, Cork") and continental ones with the number after the street ("Strandvegen 41").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from app.agents.extractors import extract

_STREET_TYPES = (
    r"road|rd|street|st|lane|ln|avenue|ave|av|terrace|tce|drive|dr|close|court|ct|place|pl|way"
    r"|crescent|cres|gardens|gdns|square|sq|boulevard|blvd|parade|row|walk|hill|mews|grove"
    r"|park|view|rise|green|quay|wharf|embankment|highway|hwy|parkway|circle|cir|plaza"
)
_POSTCODE = (
    r"(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"  # UK
    r"|[A-Z]\d{2}\s?[A-Z\d]{4}"  # Irish Eircode
    r"|\d{4,5}(?:-\d{4})?)"  # most of Europe, US ZIP
)
_PLACE = r"[^\W\d_]+(?:['’.-][^\W\d_]+)*\b(?![\d])"
_TAIL = r"(?:,\s*" + _PLACE + r"(?:\s+" + _PLACE + r"){0,2}){0,3}(?:,?\s+" + _POSTCODE + r")?"
_NUMBER_FIRST = re.compile(
    r"(?<![\w+-])\d{1,5}[a-zA-Z]?\s+(?:[^\W\d_][\w'’-]*\s+){0,3}(?i:"
    + _STREET_TYPES
    + r")\b\.?"
    + _TAIL
)
_STREET_FIRST = re.compile(
    r"(?i)\b(?:[^\W\d_]+(?:vegen|veien|vei|gata|gate|gatan|vägen|väg|straße|strasse|str|weg"
    r"|gasse|platz|laan|straat|gade|vej|katu|tie)|(?:rue|via|calle|rua|avenida|ulica|ul\.)"
    r"\s+[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*)?)\s+\d{1,5}[a-z]?\b" + _TAIL
)


@dataclass(frozen=True)
class Contact:
    kind: str  # "email" | "phone" | "url" | "address"
    value: str
    start: int
    end: int
    owner: str | None = None  # as the text says: a speaker name or a possessor
    label: str | None = None


def _trim_address(text: str) -> str:
    """Stop an address before a trailing clause ("..., Cork. Ardfallen Road is history")."""
    text = re.split(r"\s+(?:and|but|so|then)\s+|[;!?]", text)[0]
    parts = text.split(",")
    kept = [parts[0]]
    for part in parts[1:]:
        words = part.split()
        if not words or not all(_place_word(w) for w in words):
            break
        kept.append(part)
    return ",".join(kept).strip().rstrip(".,;")


def _place_word(word: str) -> bool:
    """A word that can belong to a town or postcode: capitalised, a code, or not English."""
    from app.reading.lexicon import known_word

    word = word.strip(".")
    return word[:1].isupper() or any(c.isdigit() for c in word) or not known_word(word)


def find_contacts(text: str, now: datetime, speaker: str | None) -> list[Contact]:
    """Every contact detail with its span; addresses of both street orders."""
    found: list[Contact] = []
    for e in extract(text, now, speaker):
        if e.kind == "date":
            continue
        end = e.start + len(e.text)
        if e.kind == "address":
            value = _trim_address(e.value)
            end = e.start + len(value)
            found.append(Contact("address", value, e.start, end, e.owner, e.label))
            continue
        found.append(Contact(e.kind, e.value, e.start, end, e.owner, e.label))
    taken = [(c.start, c.end) for c in found]
    for pattern in (_STREET_FIRST, _NUMBER_FIRST):
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            value = _trim_address(m.group(0))
            found.append(Contact("address", value, m.start(), m.start() + len(value)))
            taken.append((m.start(), m.start() + len(value)))
    return sorted(found, key=lambda c: c.start)


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def same_number(a: str, b: str) -> bool:
    """Two phone numbers (or a fragment like "087") that are the same line."""
    da, db = digits(a).lstrip("0"), digits(b).lstrip("0")
    if not da or not db:
        return False
    short, long = sorted((da, db), key=len)
    return long.endswith(short) or (len(short) <= 4 and short in long)
