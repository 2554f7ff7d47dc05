"""What speakers say about themselves: name, job, employer, where they work and live, diet,
allergies, preferences and favourites.

A first-person clause is read by its verb: a copula ("I'm Tomasz", "I'm a nurse at ..."),
work verbs ("I work as a structural engineer at Halvorsen & Pike in Leeds", "I teach
chemistry at ..."), dwelling and moving ("I live in", "we moved the workshop to"), liking
("I prefer window seats") and eating ("I can't eat shellfish"). Verbless notes ("aisle seat
every time please", "allergic to nuts") are read by their markers. Values are cut from the
clause; nothing is generated.
"""

from __future__ import annotations

import re

from app.reading import lexicon as lx
from app.reading.context import Read, State
from app.reading.facts import WORKPLACE_NOUNS, Owner, change_cue, slot_fact
from app.reading.model import Fact
from app.reading.parse import Parse, is_name_token
from app.reading.segment import Clause, Token

_LIKE = frozenset({"prefer", "like", "love", "enjoy", "adore", "favour", "favor"})
_DISLIKE = frozenset({"hate", "dislike", "detest", "loathe", "avoid"})
_EAT = frozenset({"eat", "drink", "have", "touch", "stomach", "tolerate", "digest"})
_JOB_VERBS = frozenset(
    {
        "teach",
        "lecture",
        "study",
        "research",
        "nurse",
        "coach",
        "manage",
        "run",
        "design",
        "write",
        "program",
        "develop",
        "build",
        "fix",
    }
)
DIET_WORDS = frozenset(
    """vegetarian vegan pescatarian pescetarian halal kosher coeliac celiac teetotal
    gluten-free dairy-free lactose-intolerant intolerant""".split()
)
# Markers that make a verbless note from the person a standing preference.
_PREFERENCE_MARKERS = r"\bplease\b|\bpls\b|\bplz\b|\balways\b"  # in a verbless note only
_STRONG_MARKERS = (
    r"\bevery\s+time\b|\bor\s+nothing\b|\bno\s+contest\b|\ball\s+the\s+way\b|\bif\s+possible\b"
    r"|\bwhenever\s+possible\b|\bby\s+default\b"
)
_CHOICE = re.compile(
    r"(?i)\bonly\s+(?:keep|have|pick|choose|take|listen\s+to|eat|read|watch)\s+one\s+"
    r"(?P<what>[\w -]{2,30}?),?\s+(?:it|that|they)\s+(?:would|'d|will|must)\s+be\s+"
    r"(?P<value>[^,.;!?]{2,80})"
)


def _np_until(r: Read, tokens: list[Token], stops: tuple[str, ...] = ()) -> list[Token]:
    """Tokens up to a preposition, conjunction, comma or one of `stops`."""
    run: list[Token] = []
    for t in tokens:
        if (t.kind == "punct" and t.text not in "&-'") or t.low in stops:
            break
        if (t.low in lx.PREPOSITIONS and t.low not in ("of",)) or t.low in lx.CONJUNCTIONS:
            break
        run.append(t)
    return run


def _strip_det(run: list[Token]) -> list[Token]:
    while run and (run[0].low in lx.DETERMINERS or run[0].low in lx.POSSESSIVES):
        run = run[1:]
    return run


def _preps(r: Read, pred: list[Token]) -> dict[str, str]:
    """Each preposition's noun phrase in a predicate: {"as": ..., "at": ..., "in": ...}."""
    out: dict[str, str] = {}
    for i, tok in enumerate(pred):
        if tok.low in ("as", "at", "for", "in", "on", "from", "with") and tok.low not in out:
            run = _strip_det(_np_until(r, pred[i + 1 :]))
            if run:
                out[tok.low] = r.words(run)
    return out


def _work(
    state: State,
    r: Read,
    owner: Owner,
    clause: Clause,
    pred: list[Token],
    job: str | None,
    replaces: bool,
) -> None:
    """Job, employer, work city, street and office from "... as X at Y in Z on W"."""
    preps = _preps(r, pred)
    add = state.add_fact
    if job:
        add(owner, slot_fact(r, clause, "job", None, job, replaces))
    employer = preps.get("at") or preps.get("for")
    office = None
    for key in ("from", "at", "in"):
        value = preps.get(key, "")
        if re.search(r"(?i)\b(office|branch|site|campus|hq|headquarters)\b", value):
            office = value
    if office:
        add(owner, slot_fact(r, clause, "work_location", "office", office, replaces=True))
        if employer == office:
            employer = None
    if employer:
        add(owner, slot_fact(r, clause, "employer", None, employer, replaces))
    if preps.get("in") and preps.get("in") != office:
        add(owner, slot_fact(r, clause, "work_city", None, preps["in"], replaces))
    if preps.get("on") and employer:
        add(owner, slot_fact(r, clause, "work_address", None, preps["on"], replaces))


def _name(r: Read, state: State, pred: list[Token]) -> list[Token]:
    names = state.known_names()
    run = []
    for t in pred:
        if is_name_token(t, r.lower_text, names) or (run and t.low in ("van", "de", "da", "von")):
            run.append(t)
        else:
            break
    return run


def first_person(
    state: State, r: Read, owner: Owner, clause: Clause, p: Parse, sentence_tokens: list[Token]
) -> bool:
    """Facts from a clause whose subject is I/we. True when it read something."""
    pred = p.predicate
    lemma = p.lemma or ""
    replaces = change_cue(sentence_tokens)
    add = state.add_fact
    pred_text = r.words(pred).strip(" ,.;") if pred else ""
    if p.tense == "future" or (clause.tokens and clause.tokens[-1].text == "?"):
        return False
    if p.copula and pred:
        first = pred[0]
        if first.low in ("a", "an"):
            job = r.words(_np_until(r, pred[1:]))
            if job:
                _work(state, r, owner, clause, pred, job, replaces)
                return True
        name = _name(r, state, pred)
        if (name and not lx.known_word(name[0].text)) or (name and name[0].capital):
            add(owner, slot_fact(r, clause, "name", None, r.words(name)))
            rest = pred[len(name) :]
            if rest and rest[0].text == ",":
                tail = r.words(rest[1:])
                nick = re.match(r"(?i)(\S+)\s+for\s+short\b", tail)
                if nick:
                    add(owner, slot_fact(r, clause, "nickname", None, nick.group(1)))
                else:
                    first_person_apposition(state, r, owner, clause, rest[1:])
            return True
        low_words = {t.low for t in pred}
        if "allergic" in low_words:
            allergen = _after(r, pred, "to")
            if allergen:
                add(owner, slot_fact(r, clause, "allergy", None, allergen))
                return True
            return False
        diet = low_words & DIET_WORDS
        if diet:
            add(owner, slot_fact(r, clause, "diet", None, pred_text))
            return True
        based = _after(r, pred, "in") if first.low in ("based", "living") else None
        if based:
            add(owner, slot_fact(r, clause, "lives_in", None, based, replaces))
            return True
        return False
    if lemma == "work" and p.negated:
        employer = _after(r, pred, "at") or _after(r, pred, "for")
        if employer:
            state.retractions.append(
                (owner, employer, "employer", r.clause_span(clause), r.message.timestamp)
            )
            return True
        return False
    if lemma in ("join", "start") and p.tense in ("past", "perfect") and pred:
        org = _strip_det(_np_until(r, pred, ("as",)))
        job = _after(r, pred, "as")
        if org and (job or lemma == "join") and org[0].capital | r.lower_text:
            add(owner, slot_fact(r, clause, "employer", None, r.words(org), True))
            if job:
                add(owner, slot_fact(r, clause, "job", None, job, True))
            return True
        return False
    if lemma == "work":
        job = _after(r, pred, "as")
        _work(
            state, r, owner, clause, pred, job, replaces or "now" in {t.low for t in clause.tokens}
        )
        return True
    if lemma in _JOB_VERBS and p.tense in ("present",) and _after(r, pred, "at"):
        obj = r.words(_np_until(r, pred))
        job = f"{_third_person(p.verb.text if p.verb else lemma)} {obj}".strip()
        _work(state, r, owner, clause, pred, job, replaces)
        return True
    if lemma in ("live", "reside") and not p.negated:
        where = _after(r, pred, "in")
        if where:
            add(owner, slot_fact(r, clause, "lives_in", None, where, replaces))
            return True
        return False
    if lemma in ("move", "relocate") and p.tense in ("past", "perfect"):
        objects = {t.low for t in pred[:3]}
        target = _after(r, pred, "to")
        if objects & WORKPLACE_NOUNS and target:
            add(owner, slot_fact(r, clause, "work_address", None, target, replaces=True))
            return True
        if target and not r.contacts_in(clause.start, clause.end):
            add(owner, slot_fact(r, clause, "lives_in", None, target, replaces=True))
            return True
        return False
    standing = p.tense == "present" and _object_like(pred)
    if lemma in _LIKE and not p.negated and standing:
        add(owner, slot_fact(r, clause, "preference", _label(pred), pred_text))
        return True
    if (lemma in _DISLIKE or (lemma in _LIKE and p.negated)) and standing:
        add(owner, slot_fact(r, clause, "dislike", _label(pred), pred_text))
        return True
    if lemma in _EAT and p.negated and pred:
        food = r.words(_np_until(r, pred)) or pred_text
        sentence = " ".join(t.low for t in sentence_tokens)
        slot = "allergy" if "allerg" in sentence else "diet"
        add(owner, slot_fact(r, clause, slot, None, food if slot == "allergy" else f"no {food}"))
        return True
    if lemma == "speak" and pred:
        add(owner, slot_fact(r, clause, "language", None, pred_text))
        return True
    return False


def first_person_apposition(
    state: State, r: Read, owner: Owner, clause: Clause, rest: list[Token]
) -> bool:
    """ "..., a structural engineer at X" / "..., bike mechanic at X in Y" after a name."""
    if not rest:
        return False
    if rest[0].low in ("a", "an"):
        rest = rest[1:]
    elif not _looks_like_job(r, rest):
        return False
    job = r.words(_np_until(r, rest))
    if not job:
        return False
    _work(state, r, owner, clause, rest, job, False)
    return True


def _object_like(pred: list[Token]) -> bool:
    """A liked thing ("window seats", "hiking in Connemara", "to swim"), not a clause about
    something ("that it teaches me ...", "it", "how you ...")."""
    words = [t for t in pred if t.kind != "punct"]
    if not words or len(words) > 12:
        return False
    return words[0].low not in {
        "that",
        "how",
        "when",
        "it",
        "this",
        "what",
        "where",
        "you",
        "your",
        "seeing",
        "being",
        "him",
        "her",
        "them",
        "the way",
    }


def _looks_like_job(r: Read, tokens: list[Token]) -> bool:
    """ "bike mechanic at X": a noun phrase followed by "at"/"for" an organisation."""
    run = _np_until(r, tokens)
    nxt = tokens[len(run)] if len(run) < len(tokens) else None
    return (
        bool(run)
        and nxt is not None
        and nxt.low in ("at", "for")
        and all(lx.is_noun(t.text) or lx.is_adjective(t.text) for t in run)
    )


def _third_person(verb: str) -> str:
    lemma = lx.verb_lemma(verb) or verb
    from lemminflect import getInflection

    forms = getInflection(lemma, tag="VBZ")
    return forms[0] if forms else lemma


def _after(r: Read, pred: list[Token], prep: str) -> str | None:
    for i, tok in enumerate(pred):
        if tok.low == prep:
            run = _strip_det(_np_until(r, pred[i + 1 :]))
            if run:
                return r.words(run)
    return None


def _label(pred: list[Token]) -> str | None:
    """What a preference is about: the head noun of its object ("window seats" -> seat)."""
    run = [t for t in pred if t.is_word][:4]
    for t in run:
        if t.low in lx.PREPOSITIONS or t.low in lx.CONJUNCTIONS:
            break
        if lx.is_noun(t.text) and not lx.is_adjective(t.text):
            lemmas = lx.analyses(t.text).get("NOUN", (t.low,))
            return lemmas[0]
    return None


def verbless(state: State, r: Read, owner: Owner, clause: Clause, p: Parse) -> bool:
    """Notes without a verb of their own: "aisle seat every time please", "allergic to nuts,
    walnuts esp", "no fish pls", "coffee black always"."""
    text = clause.text(r.text)
    low = text.lower()
    add = state.add_fact
    m = re.search(r"(?i)\ballergic\s+to\s+(?P<what>[^.;!?]+)", text)
    if m:
        allergen = re.split(
            r"(?i),\s*(?:\w+\s+)?(?:in|on)\s+my\b|,\s*\w+\s+(?:in|on)\b", m.group("what")
        )[0]
        add(owner, slot_fact(r, clause, "allergy", None, allergen.strip(" ,")))
        return True
    sentence = r.sentence_of(clause)
    choice = _CHOICE.search(r.text[sentence.start : sentence.end])
    if choice:
        add(
            owner,
            slot_fact(
                r, clause, "favourite", choice.group("what").strip(), choice.group("value").strip()
            ),
        )
        return True
    strong = re.search(_STRONG_MARKERS, low)
    weak = re.search(_PREFERENCE_MARKERS, low)
    if weak and _finite_before(clause.tokens, clause.start + weak.start()):
        weak = None  # "... is so important - even if it's not always easy": a statement
    if strong or (p.verb is None and weak):
        value = re.sub(r"(?i)[,\s]*\b(?:please|pls|plz)\b[,\s]*", " ", text).strip(" ,.")
        value = re.sub(r"^(?i:it'?s|its|that'?s)\s+", "", value)
        if re.match(r"(?i)no\s+", value):
            add(owner, slot_fact(r, clause, "dislike", None, value[3:].strip()))
        else:
            add(owner, slot_fact(r, clause, "preference", _label(clause.tokens), value))
        return True
    return False


def _finite_before(tokens: list[Token], position: int) -> bool:
    """Is there a finite verb or copula before this character position?"""
    for t in tokens:
        if t.start >= position:
            return False
        if t.low in lx.COPULAS or t.low in lx.CONTRACTED_SUBJECTS:
            return True
        if t.is_word and lx.verb_form(t.text) & {"VBZ", "VBD"} and not lx.is_noun(t.text):
            return True
    return False


def allergy_in_sentence(
    state: State, r: Read, owner: Owner, clause: Clause, p: Parse, sentence_text: str
) -> bool:
    """ "Penicillin puts me in hospital, so never let me forget that allergy": a sentence about
    an allergy whose subject is the allergen."""
    if "allerg" not in sentence_text.lower() or p.subject is None or p.verb is None:
        return False
    subj = p.subject
    if any("allerg" in t.low for t in subj.tokens):
        return False
    if subj.pronoun or subj.possessor or not (subj.head or subj.name):
        return False
    value = " ".join(t.text for t in subj.tokens if t.low not in lx.DETERMINERS)
    state.add_fact(owner, slot_fact(r, clause, "allergy", None, value))
    return True


def favourite(
    state: State, r: Read, owner: Owner, clause: Clause, p: Parse, value: str
) -> Fact | None:
    """ "my favourite band is Radiohead" -> favourite(band) = Radiohead."""
    subj = p.subject
    if subj is None or not ({"favourite", "favorite"} & {*subj.modifiers, subj.head or ""}):
        return None
    what = subj.head if subj.head not in ("favourite", "favorite") else None
    fact = slot_fact(r, clause, "favourite", what, value)
    state.add_fact(owner, fact)
    return fact
