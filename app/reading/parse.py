"""A shallow parse of one clause: its subject noun phrase, verb group, tense and the rest.

Enough structure to say who a clause is about ("my sister Beatrix", "her", "Karol's email",
"the gym"), whether it is a copula ("X is Y"), an imperative (a bare verb first, no subject),
and whether it is past, present or future: the distinctions that decide whether a clause is a
fact about someone, a step of a procedure or an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.reading import lexicon as lx
from app.reading.segment import Token

_PRE_VERB_ADVERBS = frozenset(
    """still just finally now also already always never usually often sometimes really even
    only actually currently recently mostly basically literally longer anymore more""".split()
)
TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "sir", "dame", "fr", "rev"})
_LEADING = frozenset(
    {"remember", "note", "please", "fyi", "btw", "reminder", "ps", "also", "and", "but", "so"}
)


@dataclass
class NounPhrase:
    tokens: list[Token]
    possessor: str | None = None  # "my", "our", "her", "his", "their", "your" or a name
    pronoun: str | None = None  # subject pronoun: i, we, you, he, she, they, it, that, there
    determiner: str | None = None
    modifiers: list[str] = field(default_factory=list)  # lower-cased words before the head
    head: str | None = None  # the head noun, lower case
    name: str | None = None  # a proper name in the phrase ("Beatrix", "Priya Raman")
    relation: tuple[str, str, str | None] | None = None  # from lexicon.relation
    slot: tuple[str, str | None] | None = None
    copula_inside: bool = False  # the last token is "X's" meaning "X is"

    @property
    def start(self) -> int:
        return self.tokens[0].start

    def relation_word(self) -> bool:
        return any(lx.relation(w) for w in [self.head or "", *self.modifiers])

    @property
    def end(self) -> int:
        return self.tokens[-1].end


@dataclass
class Parse:
    tokens: list[Token]  # the clause without its leading discourse words and fronted dates
    subject: NounPhrase | None = None
    verb: Token | None = None  # the main verb (or the copula)
    verb_index: int | None = None
    aux: list[str] = field(default_factory=list)
    negated: bool = False
    copula: bool = False
    tense: str = "none"  # "past" | "present" | "future" | "perfect" | "none"
    imperative: bool = False
    predicate: list[Token] = field(default_factory=list)
    fronted: list[Token] = field(default_factory=list)  # stripped openers

    @property
    def lemma(self) -> str | None:
        if self.verb is None:
            return None
        low = self.verb.low
        if low in ("'s", "'re", "'m", "=", "am", "is", "are", "was", "were"):
            return "be"
        return lx.verb_lemma(self.verb.text) or low


def is_name_token(
    tok: Token, lower_text: bool, known_names: set[str], initial: bool = False
) -> bool:
    """A token that can be (part of) a proper name: capitalised (at the start of a sentence,
    only a word the lexicon does not know), or in a text written all in lower case, a word the
    lexicon does not know."""
    if not tok.is_word or tok.low in lx.CONTRACTED_SUBJECTS:
        return False
    low = tok.low.removesuffix("'s")
    if low in known_names:
        return True
    if low in lx._CLOSED or lx.relation(low) or low in lx.SLOT_NOUNS:
        return False
    if tok.capital:
        return not initial or not lx.known_word(low)
    return lower_text and not lx.known_word(low) and not any(c.isdigit() for c in low)


def _skippable(tokens: list[Token], i: int, date_spans: list[tuple[int, int]]) -> bool:
    """A clause opener with no content: punctuation, a discourse word, a fronted date."""
    tok = tokens[i]
    if tok.kind == "punct" or any(s <= tok.start < e for s, e in date_spans):
        return True
    if tok.low in lx.DISCOURSE or tok.low in _LEADING or tok.low in _PRE_VERB_ADVERBS:
        return True
    if tok.low == "that" and i and tokens[i - 1].low in ("remember", "note"):
        return True
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return (
        tok.low in ("on", "the", "last", "next", "this")
        and nxt is not None
        and any(s <= nxt.start < e for s, e in date_spans)
    )


def _vocative(tokens: list[Token], i: int) -> bool:
    """ "Karol, are you coming ...?": a name and a comma before the clause."""
    if i + 2 >= len(tokens) or not tokens[i].capital or tokens[i + 1].text != ",":
        return False
    after = tokens[i + 2].low
    return (
        after in lx.SUBJECT_PRONOUNS
        or after in lx.CONTRACTED_SUBJECTS
        or after in lx.COPULAS
        or after in lx.AUXILIARIES
    )


def _strip(tokens: list[Token], date_spans: list[tuple[int, int]]) -> tuple[list[Token], int]:
    """Skip greetings, discourse markers, vocatives and fronted dates at the start."""
    i = 0
    while i < len(tokens):
        if _skippable(tokens, i, date_spans):
            i += 1
        elif _vocative(tokens, i):
            i += 2
        else:
            break
    return tokens[i:], i


def _is_verb_here(tok: Token, prev: Token | None, first: bool) -> bool:
    """Is this token the clause's verb, given what stands before it in the subject?"""
    low = tok.low
    if low in lx.COPULAS or low in lx.AUXILIARIES:
        return True
    if not tok.is_word or first or low in lx.SLOT_NOUNS:
        return False
    if lx.only_verb(tok.text):
        return True
    forms = lx.verb_form(tok.text)
    if forms & {"VBZ", "VBD"}:
        return prev is not None and (prev.is_word or prev.kind in ("num",))
    if "VBP" in forms and prev is not None and prev.capital:
        return not lx.is_noun(tok.text) or prev.low.endswith("s")
    return False


def noun_phrase(
    tokens: list[Token], lower_text: bool, known_names: set[str]
) -> tuple[NounPhrase | None, int]:
    """The subject noun phrase at the start of `tokens`, and where it ends."""
    if not tokens:
        return None, 0
    first = tokens[0]
    low = first.low
    if low in lx.CONTRACTED_SUBJECTS:
        pron, _ = lx.CONTRACTED_SUBJECTS[low]
        return NounPhrase([first], pronoun=pron), 0  # the verb is inside this token
    if low in lx.SUBJECT_PRONOUNS or low in ("that", "there", "this"):
        return NounPhrase([first], pronoun=low), 1
    np = NounPhrase([])
    i = 0
    name_after_head = False
    if low in lx.POSSESSIVES:
        np.possessor = low
        i = 1
    elif (
        low.endswith("'s")
        and len(tokens) > 1
        and _nounish(tokens[1])
        and is_name_token(first, lower_text, known_names, initial=True)
    ):
        np.possessor = first.text[:-2]
        i = 1
    elif low in lx.DETERMINERS:
        np.determiner = low
        i = 1
    while i < len(tokens):
        tok = tokens[i]
        prev = tokens[i - 1] if i else None
        if tok.kind == "punct" and tok.text not in "-&":
            break
        if tok.kind in ("email", "url", "phone", "address", "num"):
            break
        if tok.low in lx.PREPOSITIONS or tok.low in lx.CONJUNCTIONS or tok.low in _PRE_VERB_ADVERBS:
            break
        if tok.low in ("btw", "fyi", "pls", "please", "plz") or tok.low in lx.SUBJECT_PRONOUNS:
            break
        opening = i == 0 or (i == 1 and bool(np.possessor or np.determiner))
        if _is_verb_here(tok, prev, first=opening):
            break
        if tok.low in lx.DETERMINERS and np.tokens:
            break
        if tok.low.endswith("'s") and tok.low not in lx.CONTRACTED_SUBJECTS:
            if (
                i + 1 < len(tokens)
                and _nounish(tokens[i + 1])
                and (is_name_token(tok, lower_text, known_names, initial=i == 0) or np.name)
            ):
                # "Emeka's MBA graduation": the possessor, then the possessed noun
                np.possessor = tok.text[:-2]
                np.tokens.append(tok)
                np.name = None
                i += 1
                continue
            np.copula_inside = True  # "Family's super important": X is ...
            np.head = tok.low[:-2]
            np.tokens.append(tok)
            i += 1
            break
        initial = i == 0 and not (i + 1 < len(tokens) and tokens[i + 1].capital)
        if is_name_token(tok, lower_text, known_names, initial):
            np.name = f"{np.name} {tok.text}" if np.name else tok.text
            name_after_head = np.head is not None
        else:
            if np.name and np.head and name_after_head:
                break  # "my sister Beatrix" ends at the name
            word = tok.low
            if np.head:
                np.modifiers.append(np.head)
            np.head = word
        np.tokens.append(tok)
        i += 1
    if not np.tokens and (np.possessor or np.determiner):
        np.tokens = tokens[:1]
    if not np.tokens:
        return None, 0
    if np.possessor in lx.POSSESSIVES or np.determiner:
        np.tokens = [tokens[0], *[t for t in np.tokens if t is not tokens[0]]]
    for word in [np.head, *reversed(np.modifiers)]:
        if word and lx.relation(word) and np.relation is None:
            np.relation = lx.relation(word)
        if word and word in lx.SLOT_NOUNS and np.slot is None and np.relation is None:
            np.slot = lx.SLOT_NOUNS[word]
    if i < len(tokens) and tokens[i].text == "," and (np.relation_word() or np.head):
        k = i + 1  # an apposition: "our dentist, Dr Byrne, is ..."
        run = []
        while k < len(tokens) and (
            is_name_token(tokens[k], lower_text, known_names) or tokens[k].low in TITLES
        ):
            run.append(tokens[k])
            k += 1
        if run and k < len(tokens) and tokens[k].text == ",":
            np.name = np.name or " ".join(t.text for t in run)
            np.tokens.extend(tokens[i:k])
            i = k + 1
    if {"favourite", "favorite", "fave", "fav"} & set(np.modifiers) and np.head:
        np.slot = ("favourite", np.head)
    return np, i


def _nounish(tok: Token) -> bool:
    """Can this token start the noun a possessive governs ("Karol's email", not "Family's
    super important")?"""
    if not tok.is_word or tok.low in lx._CLOSED:
        return False
    parts = lx.analyses(tok.text)
    if not parts:
        return True
    return "NOUN" in parts or "PROPN" in parts


def _imperative(body: list[Token], lower_text: bool, known_names: set[str]) -> bool:
    """A bare verb first and no subject after it: "turn off the valve", "clamp bike"."""
    first = body[0]
    if not first.is_word or first.low in lx.CONTRACTED_SUBJECTS or first.low in lx._CLOSED:
        return False
    if first.low in lx.SLOT_NOUNS or lx.relation(first.low):
        return False
    if first.capital and first.low in known_names:
        return False
    if not lx.is_base_verb(first.text):
        return False
    nxt = body[1] if len(body) > 1 else None
    if nxt is not None and (nxt.low in lx.COPULAS or nxt.low in lx.AUXILIARIES):
        return False  # "work is busy": a noun subject
    if nxt is not None and nxt.low in lx.SLOT_NOUNS:
        return False  # "shop hrs ...": a noun compound
    if nxt is None or not nxt.is_word:
        return True
    forms = lx.verb_form(nxt.text)
    finite = bool(forms & {"VBZ", "VBD"}) and "VBN" not in forms
    return not (finite and not lx.is_noun(nxt.text))  # "shop got broken into": a subject


def _subject_dropped(body: list[Token]) -> bool:
    first = body[0]
    if not first.is_word or first.capital or first.low in lx._CLOSED:
        return False
    forms = lx.verb_form(first.text)
    if not forms & {"VBD", "VBG"} or (lx.is_noun(first.text) and "VBG" not in forms):
        return False
    nxt = body[1] if len(body) > 1 else None
    return nxt is None or not (nxt.low in lx.COPULAS or nxt.low in lx.AUXILIARIES)


def parse(
    tokens: list[Token],
    date_spans: list[tuple[int, int]],
    lower_text: bool,
    known_names: set[str],
) -> Parse:
    """The clause's subject, verb group, tense and predicate."""
    body, skipped = _strip(tokens, date_spans)
    result = Parse(body, fronted=tokens[:skipped])
    if not body:
        return result
    first = body[0]
    if _imperative(body, lower_text, known_names):
        result.imperative = True
        result.verb, result.verb_index = first, 0
        result.predicate = body[1:]
        result.tense = "present"
        return result
    inverted = (
        len(body) > 2
        and (first.low in lx.COPULAS or first.low in lx.AUXILIARIES)
        and (body[1].low in lx.SUBJECT_PRONOUNS or body[1].capital)
    )
    if inverted:  # a question: "are you coming ...?", "is Ana moving ...?"
        subject, j = noun_phrase(body[1:], lower_text, known_names)
        j += 1
        result.aux.append(first.low)
    elif _subject_dropped(body):  # diary style: "went skitouring yesterday", "flying to Oslo"
        result.verb, result.verb_index = first, 0
        result.predicate = body[1:]
        result.tense = "past" if lx.is_past(first.text) else "present"
        return result
    else:
        subject, j = noun_phrase(body, lower_text, known_names)
    result.subject = subject
    main: Token | None = first if inverted else None
    main_index: int | None = 0 if inverted else None
    if first.low in lx.CONTRACTED_SUBJECTS:
        result.aux.append(lx.CONTRACTED_SUBJECTS[first.low][1])
        main, main_index, j = first, 0, 1
    elif subject is not None and subject.copula_inside:
        result.aux.append("is")
        main, main_index = subject.tokens[-1], j - 1
    while j < len(body):
        tok = body[j]
        low = tok.low
        if low in _PRE_VERB_ADVERBS or (low in lx.NEGATIONS and low not in lx.AUXILIARIES):
            result.negated = result.negated or low in lx.NEGATIONS
            j += 1
            continue
        if low in lx.COPULAS or low in lx.AUXILIARIES or low in ("going", "gonna"):
            result.aux.append(low)
            result.negated = result.negated or low in lx.NEGATIONS
            main, main_index = tok, j
            j += 1
            if low == "going" and j < len(body) and body[j].low == "to":
                j += 1
            continue
        if tok.is_word and lx.is_verb(tok.text):
            if main is None and subject is None:
                break
            if (
                main is not None
                and (main.low in lx.COPULAS or main is first)
                and not (lx.verb_form(tok.text) & {"VBG", "VBN"})
            ):
                break  # "is head of science", "'m allergic": the copula is the verb
            main, main_index = tok, j
            j += 1
        break
    result.verb, result.verb_index = main, main_index
    result.predicate = body[j:]
    aux = result.aux
    if main is not None:
        result.copula = main.low in lx.COPULAS or (
            aux[-1:] in (["am"], ["is"], ["are"]) and (main is first or main.low.endswith("'s"))
        )
    if any(a in lx.FUTURE_AUX or a in ("going", "gonna") for a in aux):
        result.tense = "future"
    elif main is not None and (
        (main is not first and lx.is_past(main.text)) or any(a in lx.PAST_AUX for a in aux)
    ):
        result.tense = "past"
    elif any(a in ("have", "has", "'ve") for a in aux) and main is not None:
        result.tense = "perfect"
    elif main is not None:
        result.tense = "present"
    return result
