"""What the reader knows while it reads: the message at hand, its parsed clauses, the entities
met so far and who a pronoun or possessive points to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.reading import lexicon as lx
from app.reading.contacts import Contact
from app.reading.model import Entity, Fact, Message, PersonContext, Reading, Span
from app.reading.parse import Parse
from app.reading.segment import Clause, Sentence, Token
from app.timewords import DateMention

SELF = "self"  # the person the memories are about


@dataclass
class Read:
    """One message, read: its text (secrets scrubbed), dates, contacts, sentences, parses."""

    message: Message
    text: str
    self_mode: bool  # the person is the speaker
    dates: list[DateMention]
    contacts: list[Contact]
    sentences: list[Sentence]
    clauses: list[Clause]
    parses: list[Parse]
    lower_text: bool
    foreign: list[tuple[int, int]] = field(default_factory=list)  # quoted speech: not read
    quoted: list[tuple[int, int]] = field(default_factory=list)  # inside quotes
    consumed: set[int] = field(default_factory=set)  # contacts (by start) already filed

    def span(self, start: int, end: int) -> Span:
        return Span(self.message.id, start, end, self.text[start:end])

    def clause_span(self, clause: Clause) -> Span:
        return self.span(clause.start, clause.end)

    def sentence_of(self, clause: Clause) -> Sentence:
        return self.sentences[clause.sentence]

    def words(self, tokens: list[Token]) -> str:
        """The text a run of tokens covers, as written."""
        if not tokens:
            return ""
        return self.text[tokens[0].start : tokens[-1].end]

    def dates_in(self, start: int, end: int) -> list[DateMention]:
        return [d for d in self.dates if start <= d.start < end]

    def contacts_in(self, start: int, end: int) -> list[Contact]:
        return [c for c in self.contacts if start <= c.start < end]

    def is_foreign(self, start: int) -> bool:
        return any(s <= start < e for s, e in self.foreign)


@dataclass
class State:
    """Entities and facts across messages, and the referents pronouns resolve to."""

    person: PersonContext
    reading: Reading = field(default_factory=Reading)
    last: dict[str, Entity] = field(default_factory=dict)  # "f", "m", "person", "thing"
    speakers: dict[str, Entity] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)  # id(entity) -> when last mentioned
    retractions: list[tuple[object, str, str | None, Span, datetime]] = field(default_factory=list)
    tick: int = 0
    message_id: str = ""  # the message being read
    chooser: Any = None  # app.reading.choice.Chooser, optional
    conversations: dict[str, list[str]] = field(default_factory=dict)  # speakers seen in each

    def known_names(self) -> set[str]:
        names = set(self.person.name_words())
        for entity in self.reading.entities:
            for n in entity.names():
                names.update(w.lower() for w in n.split())
        names.update(s.lower() for s in self.speakers)
        return names

    # -- entities -----------------------------------------------------------------------------
    def find(self, name: str) -> Entity | None:
        low = name.lower().strip()
        if not low:
            return None
        for entity in self.reading.entities:
            for n in entity.names():
                nl = n.lower()
                same = nl == low or nl.split()[0] == low or low.split()[0] == nl
                if same and (entity.kind in ("person", "pet") or nl == low):
                    return entity
        return None

    def by_relation(self, relation: str, owner: str = SELF) -> Entity | None:
        """The person's (or an owner's) only entity with this relation ("my sister")."""
        want = relation if owner == SELF else f"{owner}'s {relation}"
        found = [e for e in self.reading.entities if e.relation == want]
        return found[-1] if found else None

    def entity(self, name: str, kind: str = "person", span: Span | None = None) -> Entity:
        found = self.find(name)
        if found is None:
            found = Entity(kind=kind, name=name)
            self.reading.entities.append(found)
        elif len(name) > len(found.name) and name.lower().startswith(found.name.lower()):
            found.aliases.append(found.name)  # "Priya" then "Priya Raman": keep the longer
            found.name = name
        if span is not None and span not in found.mentions:
            found.mentions.append(span)
        self.touch(found)
        return found

    def addressee(self, message: Message) -> Entity | str | None:
        """Whom "you"/"your" means: the one other speaker of the conversation, if known (the
        person when a friend is talking to them); nobody when the person talks to Memloci."""
        others = [
            s
            for s in self.conversations.get(message.conversation, ())
            if s != message.speaker and not self.person.is_assistant(s)
        ]
        if len(others) != 1:
            return None
        if self.person.is_person(others[0]):
            return SELF
        return self.speaker_entity(others[0])

    def speaker_entity(self, speaker: str) -> Entity:
        if speaker not in self.speakers:
            self.speakers[speaker] = self.entity(speaker, "person")
        return self.speakers[speaker]

    def touch(self, entity: Entity) -> None:
        """Entity mentioned: it becomes what the next 'she'/'he'/'it' may refer to."""
        self.tick += 1
        self.order[id(entity)] = self.tick
        if entity.kind in ("person", "pet"):
            self.last["person"] = entity
            if entity.gender:
                self.last[entity.gender] = entity
            if entity.kind == "pet":
                self.last["thing"] = entity
        else:
            self.last["thing"] = entity

    def resolve(self, word: str) -> Entity | None:
        """The entity a third-person pronoun or possessive points to."""
        low = word.lower()
        found = self._resolve(low)
        if (
            found is not None
            and found.mentions
            and found.mentions[-1].message_id != (self.message_id)
        ):
            return None  # a pronoun reaches back within its own message only
        return found

    def _resolve(self, low: str) -> Entity | None:
        gender = {"she": "f", "her": "f", "he": "m", "his": "m", "him": "m"}.get(low)
        if gender:
            entity = self.last.get(gender)
            candidate = self.last.get("person")
            if (
                candidate is not None
                and candidate.gender is None
                and (
                    entity is None
                    or self.order.get(id(candidate), 0) > self.order.get(id(entity), 0)
                )
            ):
                candidate.gender = gender  # learnt from the pronoun
                self.last[gender] = candidate
                return candidate
            return entity or candidate
        if low in ("they", "their", "them"):
            return self.last.get("person")
        if low in ("it", "its"):
            return self.last.get("thing")
        return None

    # -- facts --------------------------------------------------------------------------------
    def add_fact(self, owner: Entity | str, fact: Fact) -> None:
        facts = self.reading.person_facts if owner == SELF else owner.facts  # type: ignore[union-attr]
        if any(
            f.slot == fact.slot and f.value == fact.value and f.label == fact.label for f in facts
        ):
            return
        facts.append(fact)


def owner_word(possessor: str | None) -> str | None:
    """A possessive as a referent key: "my"/"our" -> SELF, pronouns kept, names kept."""
    if possessor is None:
        return None
    low = possessor.lower()
    if low in ("my", "our"):
        return SELF
    return possessor


__all__ = ["SELF", "Read", "State", "lx", "owner_word"]
