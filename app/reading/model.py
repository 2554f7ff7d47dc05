"""What a reading of messages yields: typed candidates, each tied to the span it came from.

Every value is a piece of the input (lightly normalised), never generated text, so a memory
built from a candidate is grounded by construction: `Span` names the message and the exact
characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Message:
    """One chat message as the reader sees it (text already scrubbed of secrets)."""

    id: str
    speaker: str
    text: str
    timestamp: datetime
    conversation: str = ""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Message:
        """From a chat.jsonl row or an agent input's payload."""
        when = raw.get("timestamp")
        if isinstance(when, str):
            when = datetime.fromisoformat(when.replace("Z", "+00:00"))
        if not isinstance(when, datetime):
            raise ValueError("a message needs a timestamp")
        return cls(
            id=str(raw.get("id") or raw.get("message_id") or ""),
            speaker=str(raw.get("speaker") or ""),
            text=str(raw.get("text") or ""),
            timestamp=when,
            conversation=str(raw.get("conversation") or ""),
        )


@dataclass(frozen=True)
class Span:
    """Where a candidate was read: the message and the characters [start, end) of its text."""

    message_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fact:
    """One slot value: about the person or about an entity.

    `replaces` says the text itself marks the value as a change ("my new mobile", "I moved",
    "now ... not Leeds"); `retracts` names an old value the text declares gone.
    """

    slot: str  # "phone", "email", "employer", "lives_in", "birthday", "note", ...
    value: str
    span: Span
    label: str | None = None  # "work", "home", "mobile", "seat", "band", ...
    replaces: bool = False
    retracts: str | None = None
    stale: bool = False  # a later fact in the same reading replaced it
    when: date | None = None  # a yearly date (birthday) or a resolved day, when the value is one
    said_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.slot, self.label)


@dataclass
class Entity:
    """A person, pet, place, organisation or thing the messages talk about."""

    kind: str  # "person" | "pet" | "place" | "organisation" | "thing"
    name: str
    aliases: list[str] = field(default_factory=list)
    relation: str | None = None  # "sister", "manager", "dog", "Karol's son"
    relation_span: Span | None = None
    gender: str | None = None  # "f" | "m", from a relation noun or a pronoun that refers to it
    facts: list[Fact] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)

    def names(self) -> list[str]:
        return [self.name, *self.aliases]

    def current(self) -> list[Fact]:
        return [f for f in self.facts if not f.stale]


@dataclass(frozen=True)
class Procedure:
    title: str
    steps: tuple[str, ...]
    span: Span
    narrative: bool = False  # told as what the speaker did ("I fixed the tap: ...")


@dataclass(frozen=True)
class Resource:
    title: str
    kind: str  # "book" | "film" | "article" | "document" | "spreadsheet" | "link" | "file" ...
    span: Span
    url: str | None = None
    author: str | None = None
    context: str = ""  # the clause that names it


@dataclass(frozen=True)
class Event:
    summary: str
    day: date
    precision: str  # "day" | "time" | "week" | "weekend" | "month" | "season" | "year"
    span: Span
    actor: str
    planned: bool = False  # in the future when it was said
    at: str | None = None  # "HH:MM" when the text gave a time
    date_text: str = ""


@dataclass(frozen=True)
class Retraction:
    """A value the text declares gone ("the 087 number is dead", "not Leeds"): `owner` is
    None for the person, else the entity's name; `named` the words naming the old value,
    `slot` the slot it is in when the text says."""

    owner: str | None
    named: str
    slot: str | None
    span: Span
    said_at: datetime


@dataclass
class Reading:
    """Everything read from a batch of messages."""

    person_facts: list[Fact] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    skipped: list[Span] = field(default_factory=list)  # instructions aimed at the assistant
    retractions: list[Retraction] = field(default_factory=list)
    said_at: dict[str, datetime] = field(default_factory=dict)  # message id -> its time

    def when(self, message_ids: list[str] | set[str]) -> datetime | None:
        """When the latest of these messages was said (a memory made from them is as old)."""
        times = [self.said_at[i] for i in message_ids if i in self.said_at]
        return max(times) if times else None

    def current_person_facts(self) -> list[Fact]:
        return [f for f in self.person_facts if not f.stale]

    def entity(self, name: str) -> Entity | None:
        low = name.lower()
        for entity in self.entities:
            if any(n.lower() == low for n in entity.names()):
                return entity
        return None


@dataclass(frozen=True)
class PersonContext:
    """Who "I" is: the names the person goes by (settings `agents.person_names`)."""

    names: tuple[str, ...] = ()
    self_speakers: tuple[str, ...] = ("me", "user", "i")
    assistant_speakers: tuple[str, ...] = ("assistant", "memloci", "system", "bot", "ai")

    def is_person(self, speaker: str) -> bool:
        low = speaker.strip().lower()
        if low in self.self_speakers:
            return True
        return any(low == n.strip().lower() for n in self.names if n.strip())

    def is_assistant(self, speaker: str) -> bool:
        return speaker.strip().lower() in self.assistant_speakers

    def name_words(self) -> set[str]:
        return {w.lower() for n in self.names for w in n.split() if w}
