"""Deterministic facts about the person, read out of their memories: name, e-mail, phone,
address, birthday, employer, and the vault entries that answer a field.

Only text that is about the person counts: the core `human` block, semantic memories named
after a field ("Home address", "Work e-mail") or about the person, and first-person sentences.
A semantic note about someone else ("Ana's e-mail is ...") is not offered as the person's own.
Vault facts carry no value: the secret stays sealed until it is disclosed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from app.autofill import values
from app.autofill.fields import map_label, normalise, qualifiers_in
from app.domain import Memory, MemoryType
from app.timewords import parse_date

# How much a fact is trusted, by where it was read.
KEY_LINE = 0.95  # "E-mail: ana@example.pt" in the human block
NAMED_MEMORY = 0.9  # a semantic memory named "Home address"
SENTENCE = 0.85  # "My phone number is ..."
SCANNED = 0.7  # an e-mail address found anywhere in the human block
DERIVED = 0.85  # a factor on facts computed from others (given name from full name)

# Names of semantic memories that are about the person themselves.
SELF_NAMES = frozenset(
    {"me", "myself", "profile", "my profile", "about me", "my details", "personal details"}
    | {"contact details", "contact info", "personal info", "personal information"}
)

_KEY_LINE = re.compile(r"^\s*[-*•]?\s*([^\W\d][\w .'/()-]{0,40}?)\s*[:=]\s*(\S.{0,300}?)\s*$")
_MY_X_IS = re.compile(
    r"(?i:\bmy\s+)([a-z][\w -]{1,40}?)\s+(?i:is|are|=|:)\s+(\S[^\n]{0,200}?)\s*(?:$|[.;](?:\s|$))"
)
_NAME_IS = re.compile(
    r"(?i:\b(?:my (?:full )?name is|i am called|i'm called|call me))\s+"
    r"([A-ZÀ-Þ][\w'’-]+(?:\s+(?:[A-ZÀ-Þ][\w'’-]+|d[aeo]s?|van|von|de|del|la)){0,5})"
)
_LIVE = re.compile(r"(?i:\bi (?:live|reside) (at|in|on))\s+([^\n.;]{2,200})")
_BORN = re.compile(r"(?i:\b(?:i was )?born (?:on )?)([^\n;]{6,40})")
_WORK = re.compile(
    r"(?i:\bi (?:work|am working) (?:at|for))\s+([A-Z0-9][\w&.' -]{1,60}?)(?=\s*(?:[.,;\n]|$| as ))"
)
_ROLE = re.compile(
    r"(?i:\bi(?: am|'m) (?:an? |the ))([a-z][\w -]{2,50}?)(?i: (?:at|for) )"
    r"([A-Z0-9][\w&.' -]{1,60}?)(?=\s*(?:[.,;\n]|$))"
)
_ADDRESS_KEYS = frozenset({"street-address"})  # a whole address, split into its parts


@dataclass(frozen=True)
class Fact:
    """One value that can answer a field, and the memory it comes from."""

    key: str
    value: str  # "" for a vault fact (sealed until disclosed)
    memory: Memory
    confidence: float
    qualifiers: frozenset[str] = field(default_factory=frozenset)
    alternatives: tuple[str, ...] = ()

    @property
    def sealed(self) -> bool:
        return self.memory.type is MemoryType.VAULT

    @property
    def sensitivity(self) -> str:
        if self.memory.type is MemoryType.VAULT:
            return str(self.memory.fields.get("sensitivity", "medium"))
        return "none"


def _clean(key: str, raw: str) -> tuple[str, tuple[str, ...]] | None:
    """The value as a field wants it (and other forms of it), or None if it does not fit."""
    text = " ".join(raw.split()).strip(" .;,\"'")
    if not text or len(text) > 300:
        return None
    if key == "email":
        found = values.find_email(text)
        return (found, ()) if found else None
    if key.startswith("tel"):
        found = values.find_phone(text)
        return (found, ()) if found else None
    if key == "url":
        bare = re.fullmatch(r"[\w-]+(\.[\w-]+)+\S*", text)
        found = values.find_url(text) or (text if bare else None)
        return (found, ()) if found else None
    if key == "bday":
        moment = parse_date(text)
        return (moment.isoformat(), (text,)) if moment else None
    if key in ("name", "given-name", "family-name", "additional-name", "nickname"):
        if re.search(r"\d|@", text) or len(text.split()) > 6 or len(text) > 80:
            return None
        return text, ()
    if key in ("country", "country-name", "nationality"):
        code = values.country_code(text)
        return (text, (code,)) if code else (text, ())
    if len(text) > 200:
        return None
    return text, ()


def _make(key: str, raw: str, memory: Memory, confidence: float, context: str) -> list[Fact]:
    """Facts for one key/value pair; an address also yields its parts."""
    cleaned = _clean(key, raw)
    if cleaned is None:
        return []
    value, alternatives = cleaned
    qualifiers = qualifiers_in(context)
    facts = [Fact(key, value, memory, confidence, qualifiers, alternatives)]
    if key in _ADDRESS_KEYS:
        facts = address_facts(value, memory, confidence, qualifiers)
    return facts


def address_facts(
    text: str, memory: Memory, confidence: float, qualifiers: frozenset[str] = frozenset()
) -> list[Fact]:
    """`street-address` and every part of it (line 1, city, postal code, country...)."""
    address = values.parse_address(text)
    if address is None:
        return [Fact("street-address", text, memory, confidence * 0.8, qualifiers)]
    parts = {
        "street-address": address.street,
        "address-line1": address.line1,
        "address-line2": address.line2,
        "address-level2": address.city,
        "address-level1": address.region,
        "postal-code": address.postal_code,
        "country": address.country,
        "full-address": address.full,
    }
    facts = []
    for key, value in parts.items():
        if value:
            code = values.country_code(value) if key == "country" else None
            facts.append(Fact(key, value, memory, confidence, qualifiers, (code,) if code else ()))
    return facts


def _from_lines(text: str, memory: Memory, confidence: float) -> list[Fact]:
    """'Key: value' lines whose key names a field."""
    facts: list[Fact] = []
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            key = map_label(match.group(1))
            if key:
                facts.extend(_make(key, match.group(2), memory, confidence, match.group(1)))
    return facts


def _from_sentences(text: str, memory: Memory) -> list[Fact]:
    """First-person sentences: 'My name is ...', 'I live at ...', 'I work at ...'."""
    facts: list[Fact] = []
    for match in _NAME_IS.finditer(text):
        facts.extend(_make("name", match.group(1), memory, SENTENCE, ""))
    for match in _MY_X_IS.finditer(text):
        key = map_label(match.group(1))
        if key and key != "name":
            facts.extend(_make(key, match.group(2), memory, SENTENCE, match.group(1)))
    for match in _LIVE.finditer(text):
        place = match.group(2).strip()
        if match.group(1).lower() in ("at", "on") or re.search(r"\d", place):
            facts.extend(address_facts(place, memory, SENTENCE))
        elif values.country_code(place):
            facts.extend(_make("country", place, memory, SENTENCE * 0.8, ""))
        elif len(place.split()) <= 3:
            facts.append(Fact("address-level2", place, memory, SENTENCE * 0.8))
    for match in _BORN.finditer(text):
        facts.extend(_make("bday", match.group(1), memory, SENTENCE, ""))
    for match in _WORK.finditer(text):
        facts.extend(_make("organization", match.group(1), memory, SENTENCE, ""))
    for match in _ROLE.finditer(text):
        facts.extend(_make("organization-title", match.group(1), memory, SENTENCE * 0.9, ""))
        facts.extend(_make("organization", match.group(2), memory, SENTENCE * 0.9, ""))
    return facts


def _scanned(text: str, memory: Memory) -> list[Fact]:
    """E-mail addresses and phone numbers anywhere in text known to be about the person."""
    facts = []
    for match in values.EMAIL.finditer(text):
        around = text[max(0, match.start() - 30) : match.start()]
        facts.extend(_make("email", match.group(0), memory, SCANNED, around))
    phone = values.find_phone(text)
    if phone:
        facts.extend(_make("tel", phone, memory, SCANNED * 0.9, ""))
    return facts


def facts_from(memory: Memory, self_names: Iterable[str] = ()) -> list[Fact]:
    """Every fact one memory holds about the person."""
    fields = memory.fields
    if memory.type is MemoryType.VAULT:
        for label in (fields.get("caption", ""), fields.get("entry_type", "")):
            key = map_label(str(label))
            if key:
                return [Fact(key, "", memory, NAMED_MEMORY, qualifiers_in(str(label)))]
        return []
    if memory.type is MemoryType.CORE:
        if fields.get("label") != "human":
            return []
        text = str(fields.get("value", ""))
        return (
            _from_lines(text, memory, KEY_LINE)
            + _from_sentences(text, memory)
            + _scanned(text, memory)
        )
    if memory.type is not MemoryType.SEMANTIC:
        return []
    name = str(fields.get("name", ""))
    body = "\n".join(str(fields.get(k, "")) for k in ("summary", "details") if fields.get(k))
    facts = _from_sentences(body, memory)
    key = map_label(name)
    if key:
        first = str(fields.get("summary", "")).strip()
        facts.extend(_make(key, first, memory, NAMED_MEMORY, name))
    about_self = normalise(name) in SELF_NAMES or normalise(name) in {
        normalise(n) for n in self_names if n.strip()
    }
    if about_self:
        facts.extend(_from_lines(body, memory, KEY_LINE * 0.95))
        facts.extend(_scanned(body, memory))
    return facts


def derived(facts: list[Fact]) -> list[Fact]:
    """Facts computed from others: given/family name from the full name and back, birthday
    parts, phone country code, country name from a code."""
    out: list[Fact] = []
    by_key: dict[str, list[Fact]] = {}
    for fact in facts:
        by_key.setdefault(fact.key, []).append(fact)
    for fact in by_key.get("name", []):
        words = fact.value.split()
        if len(words) >= 2:
            low = fact.confidence * DERIVED
            out.append(replace(fact, key="given-name", value=words[0], confidence=low))
            out.append(replace(fact, key="family-name", value=words[-1], confidence=low))
            if len(words) > 2:
                middle = " ".join(words[1:-1])
                out.append(replace(fact, key="additional-name", value=middle, confidence=low))
    for given in by_key.get("given-name", []):
        for family in by_key.get("family-name", []):
            if given.memory.id == family.memory.id:
                value = f"{given.value} {family.value}"
                low = min(given.confidence, family.confidence) * DERIVED
                out.append(replace(given, key="name", value=value, confidence=low))
    for fact in by_key.get("bday", []):
        if re.fullmatch(r"\d{4}-\d\d-\d\d", fact.value):
            low = fact.confidence * DERIVED
            for key, part in zip(
                ("bday-year", "bday-month", "bday-day"), fact.value.split("-"), strict=True
            ):
                short = str(int(part))
                out.append(
                    replace(fact, key=key, value=short, alternatives=(part,), confidence=low)
                )
    for fact in by_key.get("tel", []):
        split = values.split_phone(fact.value)
        if split:
            low = fact.confidence * DERIVED
            out.append(replace(fact, key="tel-country-code", value=split[0], confidence=low))
            out.append(replace(fact, key="tel-national", value=split[1], confidence=low))
    for fact in by_key.get("country", []):
        out.append(replace(fact, key="country-name", confidence=fact.confidence * DERIVED))
    return out
