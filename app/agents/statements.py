"""Memories as statements an answer can be built from: one field, sentence, event or how-to each.

Typed records give their fields by name: the core block's `Key: value` lines ("Mobile: +44 ..."),
an entity record's slots ("Beatrix": lives_in, birthday, email), a procedure's steps, an event's
date. Raw messages (imported chat, the chat with Memloci) give their sentences, and are also read
by `app.reading` at answer time, so "My sister Beatrix lives in Gdansk; her birthday is on 14
February" yields the fields lives_in and birthday of Beatrix with the sentence they came from.
Every statement keeps its memory, so every answer keeps its citation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.agents.claims import fold
from app.agents.when import MONTHS, find_dates
from app.domain import Memory, MemoryType
from app.reading.lexicon import relation

log = logging.getLogger(__name__)

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[^\s])|\n+")
_KEY_LINE = re.compile(r"^\s*([A-Za-z][\w ()'-]{0,40}?)\s*:\s*(\S.*)$")
_DETAIL = re.compile(r"^\s*([a-z_]+)(?:\(([^)]*)\))?:\s*(.+?)(?:\s+\[([^\]]+)\])?\s*$")
_CORE_KEYS = {
    "name": ("name", None),
    "full name": ("name", None),
    "nickname": ("nickname", None),
    "job": ("job", None),
    "job title": ("job", None),
    "occupation": ("job", None),
    "employer": ("employer", None),
    "company": ("employer", None),
    "work city": ("work_city", None),
    "work address": ("address", "work"),
    "works from": ("work_location", "office"),
    "office": ("work_location", "office"),
    "city": ("lives_in", None),
    "lives in": ("lives_in", None),
    "home": ("lives_in", None),
    "diet": ("diet", None),
    "allergy": ("allergy", None),
    "allergies": ("allergy", None),
    "prefers": ("preference", None),
    "preference": ("preference", None),
    "dislikes": ("dislike", None),
    "birthday": ("birthday", None),
    "date of birth": ("birthday", None),
    "language": ("language", None),
    "languages": ("language", None),
    "hours": ("hours", None),
    "mobile": ("phone", "mobile"),
    "phone": ("phone", None),
    "email": ("email", None),
    "e-mail": ("email", None),
    "address": ("address", None),
}
# Episodic records that are a message or a screen as it was, not an event a reader made.
_RAW_EVENT_TYPES = frozenset({"chat", "note", "message", "screen", "activity"})


@dataclass
class Statement:
    """One thing a memory says, ready to be matched against a question and quoted."""

    memory: Memory
    text: str  # the sentence or line a person can read
    kind: str  # field | identity | sentence | steps | event | resource | vault
    slot: str | None = None
    label: str | None = None
    value: str | None = None
    subject: str | None = None  # "self", an entity's name, or None (not known)
    subject_words: frozenset[str] = frozenset()  # folded names, aliases and relations
    relation: str | None = None  # what the subject is to the person ("sister")
    owner: str | None = None  # whose relation it is ("self", "Karol")
    when: date | None = None
    yearly: bool = False
    planned: bool = False
    stale: bool = False
    steps: tuple[str, ...] = ()
    typed: bool = False  # a typed record's field (not read from raw text at answer time)
    speaker: str | None = None  # who said it, for chat messages
    extra: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # when it was said, where the memory's own time is not that

    @property
    def said_at(self) -> datetime:
        return self.at or self.memory.occurred_at


def field_statement(
    memory: Memory,
    text: str,
    slot: str | None,
    label: str | None,
    value: str | None,
    *,
    when: date | None = None,
    said_in: str = "",
    **more: Any,
) -> Statement:
    """One slot value as a statement, wherever it was read (a typed record's slot, a line of
    its details or summary, a message read at answer time), so they all match a question the
    same way: a birthday is a yearly date, from its value or else the sentence `said_in` that
    said it ("bday jan 30" kept as "30"), when none came with it."""
    yearly = slot == "birthday"
    if when is None and yearly:
        when = yearly_date(value or "") or (yearly_date(said_in) if said_in else None)
    return Statement(memory, text, "field", slot, label, value, when=when, yearly=yearly, **more)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def local_day(moment: datetime) -> date:
    return moment.astimezone().date() if moment.tzinfo else moment.date()


def is_raw(memory: Memory) -> bool:
    """A message or screen as it was (read at answer time), not a record an agent wrote."""
    if memory.type is not MemoryType.EPISODIC:
        return False
    kinds = {s.kind for s in memory.sources}
    return (
        memory.origin in ("import", "chat", "capture", "screen")
        or str(memory.fields.get("event_type", "")) in _RAW_EVENT_TYPES
        or "screen" in kinds
    )


def _words_of(*names: str | None) -> set[str]:
    out: set[str] = set()
    for name in names:
        if not name:
            continue
        folded = fold(name)
        out.add(folded)
        out.update(w for w in re.findall(r"[^\W_]+", folded) if len(w) > 1)
        found = relation(name.split()[-1]) if name.split() else None
        if found is not None:
            out.add(found[0])
    return out


# -- typed records ------------------------------------------------------------------------------
def from_core(memory: Memory) -> list[Statement]:
    if memory.fields.get("label") != "human":
        return []
    out: list[Statement] = []
    said = {  # when each `Key: value` line was said, where the block keeps it
        (fold(str(m.get("key", ""))), fold(str(m.get("value", "")))): said_at(m.get("said_at"))
        for m in memory.fields.get("lines", []) or []
        if isinstance(m, dict)
    }
    for line in str(memory.fields.get("value", "")).splitlines():
        line = line.strip(" -•*\t")
        if not line:
            continue
        match = _KEY_LINE.match(line)
        slot = label = None
        if match:
            slot, label = core_slot(match.group(1))
        if slot is not None and match is not None:
            out.append(
                Statement(
                    memory,
                    line,
                    "field",
                    slot,
                    label,
                    match.group(2).strip(),
                    "self",
                    frozenset({"self"}),
                    typed=True,
                    at=said.get((fold(match.group(1)), fold(match.group(2).strip()))),
                )
            )
            continue
        for sentence in sentences(line):
            out.append(Statement(memory, sentence, "sentence", subject="self", typed=True))
    return out


def said_at(value: Any) -> datetime | None:
    """A field's "said_at" (ISO 8601), or None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.astimezone()


# How a slot reads in a sentence about its subject, where the record's summary has no phrase.
_SLOT_VERBS = {
    "lives_in": "lives in",
    "employer": "works at",
    "works_at": "works at",
    "work_location": "works from",
    "work_city": "works in",
    "job": "works as",
    "allergy": "is allergic to",
}


def slot_sentence(
    name: str, slot: str, label: str | None, value: str, phrases: Sequence[str] = ()
) -> str:
    """A slot value as a person reads it: the record's own phrase holding the value ("lives in
    Tromsø"), else the slot in words ("works at Hurtigruten", "work email: x")."""
    phrase = next((p for p in phrases if fold(value) in fold(p)), None)
    if phrase is None:
        verb = _SLOT_VERBS.get(slot)
        if verb:
            phrase = f"{verb} {value}"
        else:
            words = " ".join(p for p in (label, slot.replace("_", " ")) if p)
            phrase = f"{words}: {value}"
    if not name:
        return phrase
    first = phrase.split(" ", 1)[0].lower()
    verbs = {v.split()[0] for v in _SLOT_VERBS.values()} | {"has", "likes", "plays", "loves"}
    return f"{name} {phrase}" if first in verbs else f"{name}: {phrase}"


def core_slot(key: str) -> tuple[str | None, str | None]:
    """The slot a core line's key names: "Work email" -> (email, work), "Favourite band"."""
    low = " ".join(key.lower().replace("_", " ").split())
    if low in _CORE_KEYS:
        return _CORE_KEYS[low]
    if low.startswith(("favourite ", "favorite ")):
        return "favourite", low.split(" ", 1)[1]
    for noun, slot in (("email", "email"), ("e-mail", "email"), ("phone", "phone")):
        if low.endswith(" " + noun):
            return slot, low[: -len(noun) - 1]
    if low.endswith(" address"):
        return "address", low[: -len(" address")]
    if low.endswith(" number"):
        return "phone", low[: -len(" number")]
    return None, None


def from_semantic(memory: Memory) -> list[Statement]:
    fields = memory.fields
    name = str(fields.get("name", "")).strip()
    summary = str(fields.get("summary", "")).strip()
    aliases = [str(a) for a in fields.get("aliases", []) or []]
    rel = fields.get("relation")
    phrases = [p.strip() for p in summary.split(";") if p.strip()]
    if not rel and phrases:
        first = re.match(r"(?i)^(?:(?:the user|my|[\w .'-]+?)['’]s\s+)?([\w -]+)$", phrases[0])
        if first and relation(first.group(1).split()[-1]) is not None:
            rel = first.group(1).strip()
            phrases = phrases[1:]
    canon = relation(str(rel).split()[-1]) if rel else None
    words = frozenset(_words_of(name, *aliases) | ({canon[0]} if canon else set()))
    owner = "self" if rel and "'s " not in str(rel) else None
    base: dict[str, Any] = {
        "subject": name,
        "subject_words": words,
        "relation": canon[0] if canon else rel,
    }
    out: list[Statement] = []
    if rel and name:
        out.append(
            Statement(
                memory,
                f"{name}: {summary}",
                "identity",
                value=name,
                owner=owner,
                typed=True,
                **base,
            )
        )
    for slot, values in (fields.get("slots") or {}).items():  # entity records with slot fields
        for item in values if isinstance(values, list) else [values]:
            item = item if isinstance(item, dict) else {"value": item}
            value = str(item.get("value", "")).strip()
            if value:
                out.append(
                    field_statement(
                        memory,
                        item.get("text")
                        or slot_sentence(name, slot, item.get("label"), value, phrases),
                        slot,
                        item.get("label"),
                        value,
                        stale=item.get("current") is False,
                        typed=True,
                        at=said_at(item.get("said_at")),
                        **base,
                    )
                )
    details = str(fields.get("details", ""))
    for line in details.splitlines():
        match = _DETAIL.match(line)
        if match and match.group(1) != "note":
            slot, label, value = match.group(1), match.group(2), match.group(3)
            text = f"{name}: {summary}" if summary else line
            out.append(field_statement(memory, text, slot, label, value, typed=True, **base))
    for phrase in phrases:
        said, said_label, said_value = _phrase_slot(phrase)
        text = f"{name}: {phrase}" if name and not fold(phrase).startswith(fold(name)) else phrase
        if said and not any(s.slot == said and s.value == said_value for s in out):
            out.append(
                field_statement(memory, text, said, said_label, said_value, typed=True, **base)
            )
        elif not said:
            out.append(Statement(memory, text, "sentence", typed=True, **base))
    if fields.get("details") and not out:
        for sentence in sentences(details):
            out.append(Statement(memory, sentence, "sentence", typed=True, **base))
    return out


def _phrase_slot(phrase: str) -> tuple[str | None, str | None, str | None]:
    low = phrase.lower()
    for pattern, slot in (
        (r"^lives in (.+)$", "lives_in"),
        (r"^works at (.+)$", "employer"),
        (r"^hours:\s*(.+)$", "hours"),
    ):
        match = re.match(pattern, low)
        if match:
            return slot, None, phrase[match.start(1) :].strip()
    match = re.match(r"^(?:(\w+) )?(email|phone|address|birthday) (.+)$", phrase, re.I)
    if match:
        return match.group(2).lower(), match.group(1), match.group(3).strip()
    return None, None, None


_MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_DAY = re.compile(
    rf"(?i)\b(?:({_MONTH_NAME})\.?\s+(\d{{1,2}})|(\d{{1,2}})\.?\s+({_MONTH_NAME}))\b"
)


def yearly_date(value: str) -> date | None:
    """The day and month a text names, in a leap year (for yearly dates such as birthdays).
    A birthday's "jan 30" is a date even where a plain text's would be too loose to read."""
    mentions = find_dates(value, datetime(2000, 6, 1))  # a leap year: 29 February exists
    if mentions:
        return mentions[0].day
    match = _MONTH_DAY.search(value)
    if match is None:
        return None
    month = MONTHS[(match.group(1) or match.group(4)).lower()]
    try:
        return date(2000, month, int(match.group(2) or match.group(3)))
    except ValueError:
        return None


def from_procedure(memory: Memory) -> list[Statement]:
    steps = tuple(str(s) for s in memory.fields.get("steps", []) or [])
    summary = str(memory.fields.get("summary", "")).strip()
    return [Statement(memory, summary, "steps", steps=steps, typed=True, extra={"title": summary})]


def from_resource(memory: Memory) -> list[Statement]:
    f = memory.fields
    title = str(f.get("title", "")).strip()
    summary = str(f.get("summary", "")).strip()
    url = str(f.get("content", "")).strip()
    url = url if re.match(r"(?i)^(?:https?://|www\.|file:|/)\S*$", url) else ""
    text = " ".join(p for p in (title, f"({summary})" if summary else "", url) if p)
    return [
        Statement(
            memory,
            text,
            "resource",
            label=str(f.get("resource_type", "")) or None,
            value=title,
            typed=True,
            extra={"title": title, "url": url, "summary": summary},
        )
    ]


def from_event(memory: Memory) -> list[Statement]:
    summary = str(memory.fields.get("summary", "")).strip()
    planned = memory.fields.get("event_type") == "plan"
    return [
        Statement(
            memory,
            summary,
            "event",
            when=local_day(memory.occurred_at),
            planned=planned,
            typed=True,
            speaker=str(memory.fields.get("actor", "")) or None,
        )
    ]


def from_raw(memory: Memory) -> list[Statement]:
    """A message or screen's sentences, each with the day it names (resolved at its time)."""
    f = memory.fields
    text = str(f.get("summary", "")) if memory.type is MemoryType.EPISODIC else memory.text
    if f.get("details") and f.get("details") != f.get("summary"):
        text = str(f["details"])
    speaker = str(f.get("actor", "")) or None
    out: list[Statement] = []
    lines = sentences(text)
    screen = any(s.kind == "screen" for s in memory.sources)
    if screen:
        lines = screen_lines(lines)
    for sentence in lines:
        day = None
        for mention in find_dates(sentence, memory.occurred_at.astimezone()):
            if screen and not re.search(r"\d", mention.text):
                continue  # a page's "weekends" or "today" is not the day it was read
            if mention.precision in ("day", "time"):
                day = mention.day
                break
        out.append(Statement(memory, sentence, "sentence", when=day, speaker=speaker))
    return out


_SCREEN_HEADER = re.compile(r"^(?:Application|Window|Address|Time):\s")
_LABEL = re.compile(r"^[^\W\d_][\w '/()&.-]{1,40}$")


def screen_lines(lines: list[str]) -> list[str]:
    """A screen's text as a person reads it: the record's own header (application, window,
    time) says nothing the page said, and a table's label and value, read as two lines
    ("Surface area" / "42.7 km²"), are one fact."""
    out: list[str] = []
    body = [line for line in lines if not _SCREEN_HEADER.match(line)]
    for n, line in enumerate(body):
        following = body[n + 1] if n + 1 < len(body) else ""
        label = _LABEL.match(line) and not line.rstrip().endswith((".", ":", "?", "!"))
        if label and following and len(following) <= 60 and len(line.split()) <= 5:
            out.append(f"{line}: {following}")
        out.append(line)
    return out


def from_vault(memory: Memory) -> list[Statement]:
    caption = str(memory.fields.get("caption", "")).strip()
    return [Statement(memory, caption, "vault", value=caption, typed=True)]
