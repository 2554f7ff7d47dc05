"""read(): messages in, typed and grounded candidates out. No store, no model, no Qt.

Each message is scrubbed of secrets (app.security.redact), skipped whole when it tries to
instruct the assistant, cut into clauses and parsed; each clause is filed by who it is about
(facts), whether it is a dated happening (events); each message is searched for procedures
and resources. A last pass marks values that a later one replaced or that the text declared
gone ("the old one is gone", "not Leeds").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from app.reading import lexicon as lx
from app.reading.choice import KIND_OPTIONS, KIND_QUESTION, Chooser
from app.reading.contacts import find_contacts
from app.reading.context import SELF, Read, State
from app.reading.events import event_from, ordinal_days
from app.reading.facts import (
    Owner,
    aliases,
    change_cue,
    entity_predicate,
    possessor_ref,
    relation_mentions,
    self_ref,
    slot_fact,
    slot_value,
    subject_owner,
)
from app.reading.model import Entity, Message, PersonContext, Reading, Span
from app.reading.parse import Parse, parse
from app.reading.procedures import procedures
from app.reading.resources import resources
from app.reading.segment import Clause, clauses, quoted_spans, sentences, tokenize
from app.reading.selfacts import (
    allergy_in_sentence,
    favourite,
    first_person,
    first_person_apposition,
    verbless,
)
from app.reading.stale import settle
from app.security.redact import PLACEHOLDER, redact
from app.timewords import find_dates

INJECTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|rules?|prompts?"
    r"|safety|guidelines|directives?)\b|\bsystem\s+prompt\b|\bnew\s+rule\b|\byou\s+must\b[^.!?\n]"
    r"{0,60}\b(?:memory|memories|vault|store|save|copy)\b|\b(?:write|store|save|copy|put)\b"
    r"[^.!?\n]{0,60}\b(?:into|in)\s+(?:the\s+)?(?:vault|core\s+memory|every\s+memory)\b"
)
# Words that make a present-tense statement a schedule ("goes out every second Thursday").
_SCHEDULE_WORDS = lx.RECURRING_WORDS - {"always", "usually", "normally"}
_CONTACT_SLOTS = {"email": "email", "phone": "phone", "address": "address"}


def read(
    messages: Iterable[Message | Mapping[str, Any]],
    person: PersonContext | None = None,
    now: datetime | None = None,
    chooser: Chooser | None = None,
) -> Reading:
    """Read messages in order. `now` is unused by the rules (each message is resolved against
    its own timestamp) and kept for callers that read undated text. A `chooser` (optional)
    answers closed questions the rules leave open (app.reading.choice)."""
    state = State(person or PersonContext())
    state.chooser = chooser
    for raw in messages:
        message = raw if isinstance(raw, Message) else Message.from_mapping(raw)
        if not message.text.strip() or state.person.is_assistant(message.speaker):
            continue
        state.reading.said_at[message.id] = message.timestamp
        read_message(state, message)
    settle(state)
    return state.reading


def prepare(state: State, message: Message) -> Read | None:
    """Scrub, check, tokenise and parse one message (None when it is skipped whole)."""
    text = redact(message.text).text
    if INJECTION.search(text):
        state.reading.skipped.append(Span(message.id, 0, len(text), text))
        return None
    self_mode = state.person.is_person(message.speaker)
    contacts = find_contacts(text, message.timestamp, message.speaker)
    dates = find_dates(text, message.timestamp)
    for extra in ordinal_days(text, message.timestamp):
        if not any(d.start < extra.end and extra.start < d.end for d in dates):
            dates.append(extra)
    dates.sort(key=lambda d: d.start)
    protected = [(c.start, c.end, c.kind) for c in contacts]
    protected += [(m.start(), m.end(), "secret") for m in PLACEHOLDER.finditer(text)]
    tokens = tokenize(text, protected)
    plain = "".join(ch for t in tokens if t.kind in ("word",) for ch in t.text)
    lower_text = not any(ch.isupper() for ch in plain)
    quoted = quoted_spans(text)
    foreign = [
        (s - 1, e + 1)  # with the quote marks
        for s, e in quoted
        if ":" in text[s:e]
        or (len(text[s:e].split()) > 5 and re.search(r"(?i)\b(?:i|my|me|we|our)\b", text[s:e]))
    ]
    sents = sentences(text, tokens)
    all_clauses: list[Clause] = []
    for n, sentence in enumerate(sents):
        sentence.clauses = clauses(text, sentence, n)
        all_clauses.extend(sentence.clauses)
    r = Read(
        message,
        text,
        self_mode,
        dates,
        contacts,
        sents,
        all_clauses,
        [],
        lower_text,
        foreign,
        quoted,
    )
    spans = [(d.start, d.end) for d in dates]
    names = state.known_names()
    r.parses = [parse(c.tokens, spans, lower_text, names) for c in all_clauses]
    return r


def read_message(state: State, message: Message) -> None:
    state.message_id = message.id
    seen = state.conversations.setdefault(message.conversation, [])
    if message.speaker not in seen:
        seen.append(message.speaker)
    r = prepare(state, message)
    if r is None:
        return
    if r.self_mode is False:
        state.speaker_entity(message.speaker)
    previous: Owner | None = None
    for i, (clause, p) in enumerate(zip(r.clauses, r.parses, strict=True)):
        if r.is_foreign(clause.start) or any(t.kind == "secret" for t in clause.tokens):
            previous = None
            continue
        sentence = r.sentence_of(clause)
        relation_mentions(state, r, clause)
        owner = read_clause(state, r, clause, p, previous, i)
        same_sentence = i + 1 < len(r.clauses) and r.clauses[i + 1].sentence == clause.sentence
        previous = owner if same_sentence else None
        del sentence
    _leftover_contacts(state, r)
    aliases(state, r)
    actor = _actor(state, r)
    steps = procedures(r)
    state.reading.procedures.extend(steps)
    state.reading.resources.extend(resources(r))
    in_steps = [(s.span.start, s.span.end) for s in steps]
    for i, (clause, p) in enumerate(zip(r.clauses, r.parses, strict=True)):
        if r.is_foreign(clause.start):
            continue
        if any(s <= clause.start < e for s, e in in_steps) and not clause.colon_head:
            continue
        following = [c for c in r.clauses[i + 1 :] if c.sentence == clause.sentence]
        event = event_from(r, clause, p, following, actor)
        if event is not None:
            state.reading.events.append(event)


def _actor(state: State, r: Read) -> str:
    if r.self_mode:
        names = state.person.names
        return names[0] if names else "the user"
    return r.message.speaker


def read_clause(
    state: State, r: Read, clause: Clause, p: Parse, previous: Owner | None, index: int
) -> Owner | None:
    """File what one clause says; return who it was about (for a verbless clause after it)."""
    subj = p.subject
    sentence_tokens = r.sentence_of(clause).tokens
    if _gone(state, r, clause, p, self_ref(state, r)):
        return None
    owner = subject_owner(state, r, clause, p)
    if subj is not None and subj.slot and (subj.possessor or subj.relation is None):
        slot_owner = owner
        thing_slot = subj.slot[0] in ("hours", "schedule")
        if subj.possessor is None and thing_slot and (subj.name or subj.modifiers):
            slot_owner = _thing(state, r, clause, subj, "place")  # "shop hrs ...", "pool hours:"
        elif subj.possessor is None and not subj.name:
            slot_owner = (
                previous
                if previous is not None
                else (self_ref(state, r) if r.self_mode or clause.colon_head else None)
            )
        if slot_owner is None:
            return None
        if _slot(state, r, slot_owner, clause, p, index):
            return slot_owner
    me = self_ref(state, r)
    if (
        subj is not None
        and subj.pronoun in ("it", "that", "this")
        and (r.self_mode and verbless(state, r, me, clause, p))
    ):
        return me  # "it's rooibos or nothing": a dummy subject, a preference
    if owner == SELF and subj is not None and subj.name and p.verb is None:
        _introduction(state, r, clause, p)
        return owner
    if (
        owner is not None
        and owner == self_ref(state, r)
        and subj is not None
        and (subj.pronoun in ("i", "we"))
    ):
        _retraction_in(state, r, owner, clause)
        if not first_person(state, r, owner, clause, p, sentence_tokens) and r.self_mode:
            _ask_kind(state, r, clause, p)
        return owner
    if isinstance(owner, Entity):
        entity_predicate(state, r, owner, clause, p)
        return owner
    if owner == SELF and subj is not None and subj.name:
        first_person(state, r, owner, clause, p, sentence_tokens)
        return owner
    if subj is not None and not subj.pronoun and _thing_clause(state, r, clause, p):
        return None
    if r.self_mode and allergy_in_sentence(
        state, r, me, clause, p, r.text[r.sentence_of(clause).start : r.sentence_of(clause).end]
    ):
        return me
    if r.self_mode and (p.verb is None or subj is None) and verbless(state, r, me, clause, p):
        return me
    if subj is None and p.verb is not None and r.self_mode:
        # "went skitouring yesterday": a diary note with the subject left out
        return None
    return owner


def _ask_kind(state: State, r: Read, clause: Clause, p: Parse) -> None:
    """A first-person clause no rule read: the chooser may file it as a preference, dislike or
    diet, with the clause's own words as the value."""
    chooser = state.chooser
    if chooser is None or p.tense != "present" or len(p.predicate) < 2:
        return
    if r.sentence_of(clause).tokens[-1].text == "?" or r.dates_in(clause.start, clause.end):
        return
    text = clause.text(r.text).strip(" ,.;")
    picked = chooser.choose(KIND_QUESTION, text, KIND_OPTIONS)
    if picked in ("preference", "dislike", "diet"):
        state.add_fact(SELF, slot_fact(r, clause, picked, None, text))


def _introduction(state: State, r: Read, clause: Clause, p: Parse) -> None:
    """ "lukas brandtner, bike mechanic at sykkelverkstedet": the person's name, then a job."""
    subj = p.subject
    assert subj is not None and subj.name
    name = " ".join(w[:1].upper() + w[1:] for w in subj.name.split()) if r.lower_text else subj.name
    state.add_fact(SELF, slot_fact(r, clause, "name", None, name))
    rest = p.tokens[len(subj.tokens) :]
    if rest and rest[0].text == ",":
        first_person_apposition(state, r, SELF, clause, rest[1:])


def _slot(state: State, r: Read, owner: Owner, clause: Clause, p: Parse, index: int) -> bool:
    subj = p.subject
    assert subj is not None and subj.slot is not None
    slot, label = subj.slot
    for word in subj.modifiers:
        if word in lx.SLOT_LABELS and word not in ("new", "old", "current", "old-"):
            label = word
            break
    replaces = change_cue(r.sentence_of(clause).tokens, subj)
    if {"favourite", "favorite"} & {*subj.modifiers, subj.head or ""}:
        value = slot_value(r, p, subj, clause)
        if value:
            favourite(state, r, owner, clause, p, value[1])
            return True
        return False
    if slot in _CONTACT_SLOTS:
        end = clause.end
        if clause.colon_head and index + 1 < len(r.clauses):
            end = r.clauses[index + 1].end
        found = [
            c
            for c in r.contacts_in(clause.start, end + 1)
            if c.kind == slot and c.start not in r.consumed
        ]
        if not found:
            return False
        contact = found[0]
        r.consumed.add(contact.start)
        if slot == "phone" and label is None:
            label = contact.label
        if slot == "address" and label is None and owner == SELF:
            label = "home"
        state.add_fact(owner, slot_fact(r, clause, slot, label, contact.value, replaces))
        return True
    value = slot_value(r, p, subj, clause)
    if value is None and clause.colon_head and index + 1 < len(r.clauses):
        body = r.clauses[index + 1]
        value = (body.start, r.text[body.start : r.sentence_of(body).end].strip(" .;"))
    if value is None:
        return False
    fact = slot_fact(r, clause, slot, label, value[1], replaces)
    if slot == "birthday":
        dates = r.dates_in(value[0], clause.end + 1)
        if dates:
            fact = slot_fact(r, clause, slot, label, dates[0].text.removeprefix("on "), replaces)
            fact = type(fact)(**{**fact.__dict__, "when": dates[0].day})
    state.add_fact(owner, fact)
    return True


def _leftover_contacts(state: State, r: Read) -> None:
    """Contacts no slot clause claimed: the owner the text names, else the speaker."""
    for c in r.contacts:
        if c.kind not in _CONTACT_SLOTS or c.start in r.consumed or r.is_foreign(c.start):
            continue
        clause = next((cl for cl in r.clauses if cl.start <= c.start <= cl.end), None)
        if clause is None:
            continue
        owner: Owner | None
        if c.owner and c.owner == r.message.speaker:
            owner = self_ref(state, r)
        elif c.owner:
            owner = possessor_ref(state, r, c.owner)
        else:
            before = r.text[max(clause.start, c.start - 40) : c.start].lower()
            if re.search(
                r"\b(?:email|e-mail|call|text|ring|write\s+to|contact)\s+\w+\s+(?:at|on)"
                r"\s*$",
                before,
            ):
                continue
            owner = self_ref(state, r)
        if owner is None:
            continue
        label = c.label or _label_before(r.text, c.start)
        tokens = r.sentence_of(clause).tokens
        if c.kind == "address" and owner == SELF and label is None:
            label = "home"
        state.add_fact(owner, slot_fact(r, clause, c.kind, label, c.value, change_cue(tokens)))
        r.consumed.add(c.start)


def _label_before(text: str, start: int) -> str | None:
    words = re.findall(r"[\w-]+", text[max(0, start - 25) : start].lower())
    for word in reversed(words[-3:]):
        if word in lx.SLOT_LABELS and word not in ("new", "old", "current"):
            return word
        if word in ("mob", "cell", "mobile"):
            return "mobile"
    return None


def _gone(state: State, r: Read, clause: Clause, p: Parse, me: Owner) -> bool:
    """ "the old one is gone", "Ardfallen Road is history", "storgata place is closed for
    good": a retraction of whatever value the subject names."""
    if p.subject is None or p.verb is None:
        return False
    words = [t.low for t in p.tokens[p.verb_index or 0 :]]
    if not (set(words) & lx.GONE_WORDS) or p.negated:
        return False
    subj = p.subject
    named = " ".join(
        t.text
        for t in subj.tokens
        if t.low not in lx.DETERMINERS
        and t.low not in ("old", "one", "place")
        and t.low not in lx.SLOT_NOUNS
    )
    hint = subj.slot[0] if subj.slot else None
    if not named and hint is None:
        kinds = [c.kind for c in r.contacts if c.kind in _CONTACT_SLOTS]
        hint = kinds[0] if kinds else None
    if not named and hint is None:
        return False
    state.retractions.append((me, named, hint, r.clause_span(clause), r.message.timestamp))
    return True


def _retraction_in(state: State, r: Read, owner: Owner, clause: Clause) -> None:
    """ "I now work from the Manchester office, not Leeds": Leeds is no longer current."""
    m = re.search(
        r"(?i)(?:,\s*|\b)(?:not|no\s+longer)\s+(?:in\s+|at\s+|from\s+)?(?:the\s+)?"
        r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})\s*$",
        clause.text(r.text),
    )
    if m:
        state.retractions.append(
            (owner, m.group(1), None, r.clause_span(clause), r.message.timestamp)
        )


def _thing_clause(state: State, r: Read, clause: Clause, p: Parse) -> bool:
    """ "the gym closes at 9pm on weekdays", "The recycling bin goes out every second
    Thursday": facts about a place or thing, filed as opening hours or a schedule."""
    subj = p.subject
    if subj is None or subj.possessor or p.verb is None or not subj.head:
        return False
    words = {t.low for t in p.tokens}
    hours = bool(words & {"open", "opens", "close", "closes", "closed", "opening", "closing"})
    has_time = bool(r.dates_in(clause.start, clause.end)) or bool(
        re.search(r"\d", clause.text(r.text))
    )
    after_verb = {t.low for t in p.tokens if t.start >= p.verb.start}
    schedule = bool(after_verb & _SCHEDULE_WORDS)
    if not (hours and has_time) and not schedule:
        return False
    entity = _thing(state, r, clause, subj, "place" if hours else "thing")
    after = [t for t in p.tokens if t.start >= subj.end]
    value = r.text[(after[0] if after else p.verb).start : clause.end].strip(" ,.;")
    state.add_fact(entity, slot_fact(r, clause, "hours" if hours else "schedule", None, value))
    return True


def _thing(state: State, r: Read, clause: Clause, subj: Any, kind: str) -> Entity:
    words = []
    for t in subj.tokens:
        if t.low in lx.SLOT_NOUNS:
            break  # "shop hrs mon-fri": the name ends at the slot noun
        if t.low not in lx.DETERMINERS:
            words.append(t.text)
    name = " ".join(words) or subj.head or "place"
    return state.entity(name, kind, r.clause_span(clause))
