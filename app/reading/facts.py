"""Facts from clauses: who a clause is about (the person, an entity, a pronoun's referent) and
what it says about them, as slot values cut from the clause.

"My sister Beatrix lives in Gdansk" makes an entity Beatrix (the person's sister) with
`lives_in = Gdansk`; "her birthday is on 14 February" resolves "her" to Beatrix; "My new email
is ..." said by Karol is Karol's. First-person clauses from the person go to `selfacts`.
"""

from __future__ import annotations

import re

from app.reading import lexicon as lx
from app.reading.context import SELF, Read, State, owner_word
from app.reading.events import age_turn
from app.reading.model import Entity, Fact
from app.reading.parse import NounPhrase, Parse, is_name_token
from app.reading.segment import Clause, Token

Owner = Entity | str  # an entity, or SELF

# Verbs whose clause reports speech or thought: the content is not a fact about the subject.
_REPORTING = frozenset({"say", "tell", "ask", "think", "wonder", "hope", "reckon", "guess"})
_LIVE = frozenset({"live", "reside"})
_MOVE = frozenset({"move", "relocate", "emigrate"})
_WORK = frozenset({"work"})
# Places a person works in, as the object of "moved the ___ to ...".
WORKPLACE_NOUNS = frozenset(
    "workshop shop office studio practice business company store clinic lab restaurant".split()
)
_HOURS_WORDS = frozenset({"open", "opens", "opening", "close", "closes", "closed", "closing"})


def self_ref(state: State, r: Read) -> Owner:
    """Who "I"/"my" is in this message: the person, or the speaker."""
    return SELF if r.self_mode else state.speaker_entity(r.message.speaker)


def possessor_ref(state: State, r: Read, possessor: str | None) -> Owner | None:
    word = owner_word(possessor)
    if word is None:
        return None
    if word == SELF:
        return self_ref(state, r)
    if word.lower() in ("her", "his", "their", "its"):
        return state.resolve(word)
    if word.lower() == "your":
        return state.addressee(r.message)
    if word.lower() in state.person.name_words():
        return SELF
    return state.entity(word.title() if r.lower_text else word)


def _relation_label(owner: Owner, relation: str) -> str:
    if owner == SELF or owner is None:
        return relation
    return f"{owner.name}'s {relation}"  # type: ignore[union-attr]


def relation_entity(
    state: State,
    r: Read,
    owner: Owner | None,
    rel: tuple[str, str, str | None],
    name: str | None,
    written: str,
    clause: Clause,
) -> Entity:
    """The entity a relation phrase names: "my sister Beatrix", "our dog tussi", "Mum"."""
    canon, kind, gender = rel
    owner = owner or self_ref(state, r)
    label = _relation_label(owner, canon)
    display = _display(name, r) if name else None
    entity = state.find(display) if display else state.by_relation(canon, _owner_key(owner))
    if entity is None:
        if display is None and owner != SELF:
            written = label  # "Melanie's partner", not "partner"
        entity = state.entity(display or written, kind, r.clause_span(clause))
    else:
        state.entity(entity.name, entity.kind, r.clause_span(clause))
    entity.kind = kind if entity.kind == "person" or kind == "pet" else entity.kind
    if entity.relation is None:
        entity.relation = label
        entity.relation_span = r.clause_span(clause)
    entity.gender = entity.gender or gender
    state.touch(entity)
    return entity


def _owner_key(owner: Owner) -> str:
    return SELF if owner == SELF else owner.name  # type: ignore[union-attr]


def _display(name: str, r: Read) -> str:
    """A name as a person writes it: capitalised when the chat is all lower case."""
    return " ".join(w[:1].upper() + w[1:] for w in name.split()) if r.lower_text else name


def subject_owner(state: State, r: Read, clause: Clause, p: Parse) -> Owner | None:
    """Who or what the clause's subject is."""
    subj = p.subject
    if subj is None:
        return None
    if subj.pronoun in ("i", "we"):
        return self_ref(state, r)
    if subj.pronoun in ("he", "she", "they", "it"):
        return state.resolve(subj.pronoun)
    if subj.pronoun:
        return None
    owner = possessor_ref(state, r, subj.possessor) if subj.possessor else None
    if subj.possessor and owner is None:
        return None  # "your kids" said to the assistant: nobody we know
    plural = bool(subj.head and subj.head.endswith("s") and lx.relation(subj.head[:-1]))
    if subj.relation and not subj.name and (subj.determiner or (plural and not subj.possessor)):
        return None  # "the kids", "a friend", "Kids are resilient": nobody in particular
    if subj.relation:
        written = subj.tokens[-1].text if not subj.name else subj.name
        rel_word = next((t.text for t in subj.tokens if lx.relation(t.low)), subj.head or "")
        return relation_entity(
            state, r, owner, subj.relation, subj.name, written if subj.name else rel_word, clause
        )
    if subj.slot:
        return owner
    if subj.name and not subj.head and not subj.possessor:
        if subj.name.lower() in state.person.name_words() or any(
            subj.name.lower() == n.lower() for n in state.person.names
        ):
            return SELF
        if p.verb is None:
            return None  # "Thanks, Melanie!": a name said to someone, no statement
        return state.entity(_display(subj.name, r), "person", r.clause_span(clause))
    return None


def slot_value(r: Read, p: Parse, subj: NounPhrase, clause: Clause) -> tuple[int, str] | None:
    """The value a slot clause gives ("... is on 14 February" -> "14 February")."""
    tokens = clause.tokens
    after = [t for t in tokens if t.start >= subj.end]
    while after and (
        after[0].low in lx.COPULAS
        or after[0].low in (":", "=", "-", "now", "still")
        or after[0].low in ("btw", "fyi", "by", "the", "way")
    ):
        after = after[1:]
    if not after:
        return None
    slot = subj.slot[0] if subj.slot else ""
    if slot == "birthday":
        noun = next((t for t in subj.tokens if t.low in lx.SLOT_NOUNS), subj.tokens[0])
        dates = r.dates_in(noun.end, clause.end + 1)
        if dates:
            return dates[0].start, dates[0].text.removeprefix("on ").removeprefix("the ")
    start = after[0].start
    if after[0].low in ("on", "at", "in") and slot in ("birthday", "hours"):
        start = after[1].start if len(after) > 1 else start
    value = r.text[start : clause.end].strip(" ,.;:")
    return (start, value) if value else None


_TRAILING_NOW = re.compile(r"(?i)[\s,]+(?:now|these days|at the moment|nowadays|currently)$")


def slot_fact(
    r: Read, clause: Clause, slot: str, label: str | None, value: str, replaces: bool = False
) -> Fact:
    """A slot value; "a nurse now" is the value "nurse" marked as a change."""
    trimmed = _TRAILING_NOW.sub("", value)
    if trimmed != value and trimmed.strip():
        value, replaces = trimmed.strip(), True
    return Fact(
        slot,
        value,
        r.clause_span(clause),
        label=label,
        replaces=replaces,
        said_at=r.message.timestamp,
    )


def change_cue(tokens: list[Token], subj: NounPhrase | None = None) -> bool:
    """Do these words mark a value as new ("my new mobile", "is now", "I've switched")?"""
    if subj is not None and {"new", "current"} & set(subj.modifiers):
        return True
    if {t.low for t in tokens} & {"now", "anymore", "longer", "instead", "new"}:
        return True
    return any(t.is_word and lx.verb_lemma(t.text) in lx.CHANGE_VERBS for t in tokens)


def entity_predicate(state: State, r: Read, entity: Entity, clause: Clause, p: Parse) -> None:
    """Facts a clause with this entity as subject states: where it lives, works, what it is."""
    if p.verb is None or not p.predicate or p.tense == "future":
        return
    lemma = p.lemma or ""
    if lemma in _REPORTING or clause.tokens[-1].text == "?":
        return
    pred = p.predicate
    subject_end = p.subject.end if p.subject is not None else p.verb.start
    after = [t for t in p.tokens if t.start >= subject_end]
    verb_text = r.text[after[0].start if after else p.verb.start : clause.end].strip(" ,.;")
    if p.copula:
        words = [t for t in pred if t.is_word]
        names = state.known_names()
        if (
            entity.relation
            and words
            and len(words) == len(pred)
            and all(is_name_token(t, r.lower_text, names) for t in words)
        ):  # "boss = kari", "my dentist is Dr Byrne": the relation gets its name
            if entity.name.lower() in (entity.relation or "").lower() or not entity.aliases:
                entity.aliases.append(entity.name)
                entity.name = _display(r.words(words), r)
            return
        if len(words) <= 3 and not any(
            lx.is_noun(t.text) and not lx.is_adjective(t.text) for t in words
        ):
            return  # "she's thrilled": a passing state, not a fact
        if any(t.kind in ("email", "phone", "url", "address") for t in pred):
            return  # "it's ana@example.org now": the contact is filed on its own
        value = r.text[pred[0].start : clause.end].strip(" ,.;")
        slot = "role" if _is_role(pred) else "is"
        state.add_fact(entity, slot_fact(r, clause, slot, None, value))
        breed = _class_noun(r, pred) if slot == "is" and entity.kind == "pet" else None
        if breed:  # "tussi is a finnish lapphund, 3 yrs": what kind of dog, a fact of its own
            state.add_fact(entity, slot_fact(r, clause, "breed", None, breed))
        return
    if lemma == "turn" and age_turn(r.text[p.verb.start : clause.end]):
        dates = r.dates_in(p.verb.start, clause.end + 1)
        if dates:
            value = dates[0].text.removeprefix("on ")
            state.add_fact(entity, slot_fact(r, clause, "birthday", None, value))
    place = _after_preposition(r, pred, ("in", "to", "at"))
    if lemma in _LIVE and place:
        state.add_fact(
            entity,
            slot_fact(r, clause, "lives_in", None, place, replaces=change_cue(clause.tokens)),
        )
    elif lemma in _MOVE and place:
        state.add_fact(entity, slot_fact(r, clause, "lives_in", None, place, replaces=True))
    elif lemma in _WORK:
        employer = _after_preposition(r, pred, ("at", "for"))
        if employer:
            state.add_fact(entity, slot_fact(r, clause, "works_at", None, employer))
    state.add_fact(entity, slot_fact(r, clause, "note", None, verb_text))


# Nouns that say how someone finds a pet, not what kind of animal it is ("a good boy").
_NOT_A_KIND = frozenset(
    """boy girl lad one thing guy baby darling sweetheart angel menace handful character
    nightmare dream joy pain star legend monster""".split()
)


def _class_noun(r: Read, pred: list[Token]) -> str | None:
    """The class a copula names: "a finnish lapphund, 3 yrs, ..." -> "finnish lapphund" (the
    noun phrase after "a"/"an", up to a comma, a conjunction or a preposition)."""
    if not pred or pred[0].low not in ("a", "an"):
        return None
    run: list[Token] = []
    for tok in pred[1:]:
        if not tok.is_word or tok.low in lx.CONJUNCTIONS or tok.low in lx.PREPOSITIONS:
            break
        if tok.low in ("who", "that", "which", "with"):
            break
        run.append(tok)
    if not run or len(run) > 4:
        return None
    head = run[-1]
    known, related = lx.analyses(head.text), lx.relation(head.text)
    if head.low in _NOT_A_KIND or (related and related[1] == "person"):
        return None  # "she is a good friend": a relation, not a kind
    if known and "NOUN" not in known:
        return None  # an unknown word ("lapphund") is a name of a kind; a known one must be a noun
    if any(t.low in ("good", "bad", "little", "big", "real", "total", "proper") for t in run):
        return None  # "a good boy", "a real character": how it is, not what it is
    return r.text[run[0].start : run[-1].end]


# Another name a person or pet goes by, said outright: "Beatrix (Bea)", "Beatrix, Bea for
# short", "we call her Bea", "she goes by Bea".
_NAME = r"[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*"
_ALIAS_AFTER = re.compile(
    rf"(?P<name>{_NAME})\s*(?:\((?P<paren>[A-Z][\w'’-]+)\)|,\s*(?:or\s+)?"
    r"(?P<short>[A-Za-z][\w'’-]+) for short\b)"
)
_ALIAS_PRONOUN = re.compile(
    r"(?i)\b(?:(?:we|everyone|everybody|they|i|people)\s+(?:all\s+)?calls?\s+"
    r"(?P<obj>her|him|them)|(?P<subj>she|he|they)\s+goes\s+by)\s+(?P<alias>[A-Za-z][\w'’-]+)"
)


def aliases(state: State, r: Read) -> None:
    """Names an entity of this message goes by, where the message says so outright."""
    found: list[tuple[Entity | None, str]] = []
    for m in _ALIAS_AFTER.finditer(r.text):
        found.append((state.find(m.group("name")), m.group("paren") or m.group("short")))
    for m in _ALIAS_PRONOUN.finditer(r.text):
        found.append((state.resolve(m.group("obj") or m.group("subj")), m.group("alias")))
    for entity, alias in found:
        if entity is None or entity.kind not in ("person", "pet"):
            continue
        if not entity.mentions or entity.mentions[-1].message_id != r.message.id:
            continue  # the name must be of someone this message is about
        if not alias[0].isupper() and (lx.known_word(alias) or not r.lower_text):
            continue  # "we call her every day": a word, not a name
        alias = _display(alias, r)
        if alias.lower() not in {n.lower() for n in entity.names()}:
            entity.aliases.append(alias)


def _is_role(pred: list[Token]) -> bool:
    """ "head of science", "the manager", "a nurse at ...": a role, not a description."""
    words = [t.low for t in pred if t.is_word]
    if not words:
        return False
    head = words[1] if words[0] in ("a", "an", "the", "my", "our") and len(words) > 1 else words[0]
    return bool(lx.relation(head)) or ("of" in words[:3] and lx.is_noun(head))


def _after_preposition(r: Read, pred: list[Token], preps: tuple[str, ...]) -> str | None:
    """The noun phrase after the first of these prepositions, up to the next one or a comma."""
    for i, tok in enumerate(pred):
        if tok.low in preps:
            run = []
            for t in pred[i + 1 :]:
                if (
                    (t.kind == "punct" and t.text not in "&-'")
                    or t.low in lx.PREPOSITIONS
                    or t.low in lx.CONJUNCTIONS
                    or t.low in ("now", "anymore")
                    or r.dates_in(t.start, t.end)
                    or t.low in ("last", "next", "this")
                ):
                    break
                run.append(t)
            while run and run[0].low in lx.DETERMINERS:
                run = run[1:]
            if run:
                return r.words(run)
    return None


def relation_mentions(state: State, r: Read, clause: Clause) -> None:
    """Relation phrases anywhere in a clause: "took our dog Biscuit", "Jollof, our rescue
    rabbit,", "w ole" is not one (no relation noun)."""
    toks = clause.tokens
    names = state.known_names()
    for i, tok in enumerate(toks):
        if tok.low not in lx.POSSESSIVES and not (
            tok.low.endswith("'s")
            and tok.low not in lx.CONTRACTED_SUBJECTS
            and is_name_token(tok, r.lower_text, names, initial=i == 0)
        ):
            continue
        j = i + 1
        while j < len(toks) and toks[j].low in lx.RELATION_MODIFIERS:
            j += 1
        if j >= len(toks):
            continue
        rel = lx.relation(toks[j].low)
        if rel is None:
            _apposition(state, r, clause, toks, i, names)
            continue
        name_toks = []
        k = j + 1
        while k < len(toks) and is_name_token(toks[k], r.lower_text, names):
            name_toks.append(toks[k])
            k += 1
        name = r.words(name_toks) if name_toks else None
        plural = toks[j].low.endswith("s") and lx.relation(toks[j].low[:-1]) is not None
        if (
            name is None
            and i >= 2
            and toks[i - 1].text == ","
            and is_name_token(toks[i - 2], r.lower_text, names)
        ):
            m = i - 2
            while m > 0 and is_name_token(toks[m - 1], r.lower_text, names):
                m -= 1
            name = r.words(toks[m : i - 1])  # "Jollof, our rescue rabbit"
        if name is None and (rel[1] == "pet" or plural):
            continue
        if tok.low in lx.POSSESSIVES:
            owner = possessor_ref(state, r, tok.low)
        else:
            owner = possessor_ref(state, r, tok.text[:-2])
        if owner is None:
            continue
        kind_words = " ".join(t.low for t in toks[i + 1 : j + 1])
        canon = kind_words if rel[1] == "pet" else rel[0]
        written = name or toks[j].text
        relation_entity(state, r, owner, (canon, rel[1], rel[2]), name, written, clause)


def _apposition(
    state: State, r: Read, clause: Clause, toks: list[Token], i: int, names: set[str]
) -> None:
    """ "Pepper, our old labrador, ...": a named entity described by a possessed noun phrase
    set off by commas, where the noun is not one the lexicon files as a relation."""
    if i < 2 or toks[i - 1].text != "," or toks[i].low not in ("my", "our"):
        return
    if not is_name_token(toks[i - 2], r.lower_text, names):
        return
    end = i + 1
    while end < len(toks) and toks[end].is_word and toks[end].low not in lx._CLOSED:
        end += 1
    if end == i + 1 or end >= len(toks) or toks[end].text != ",":
        return
    head = toks[end - 1].low
    if not (lx.is_noun(head) or not lx.known_word(head)) or lx.relation(head):
        return
    m = i - 2
    while m > 0 and is_name_token(toks[m - 1], r.lower_text, names):
        m -= 1
    name = _display(r.words(toks[m : i - 1]), r)
    entity = state.entity(name, "thing", r.clause_span(clause))
    if entity.relation is None:
        entity.relation = r.words(toks[i + 1 : end])
        entity.relation_span = r.clause_span(clause)
