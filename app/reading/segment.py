"""Tokens, sentences and clauses of one message.

Addresses, e-mails, links and phone numbers are single tokens (so their dots and digits never
split a sentence); a comma or "and" splits a sentence only where a new subject and its verb
follow ("..., the old one is gone", "... and she calls every Sunday"), never inside a list of
nouns or of imperative steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.reading import lexicon as lx

_TOKEN = re.compile(
    r"\d+(?:[:.,/-]\d+)*(?:st|nd|rd|th|am|pm|a\.m|p\.m|h)?(?![\w])"
    r"|[^\W_]+(?:[-'’&.][^\W_]+)*(?:['’]s)?"
    r"|['’]s\b|[=+&@#%]|[^\w\s]"
)
_ABBREVIATIONS = frozenset(
    "st rd ave dr mr mrs ms prof no nr apt ln blvd etc e.g i.e vs approx dept tel mob".split()
)
_SUBORDINATORS = frozenset({"when", "if", "because", "while", "since", "although", "though"})
QUOTE_PAIRS = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»"}


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    kind: str = "word"  # "word" | "num" | "punct" | "email" | "url" | "phone" | "address"

    @property
    def low(self) -> str:
        return self.text.lower().replace("’", "'")

    @property
    def capital(self) -> bool:
        return self.kind == "word" and self.text[:1].isupper()

    @property
    def is_word(self) -> bool:
        return self.kind == "word"


@dataclass
class Clause:
    tokens: list[Token]
    start: int
    end: int
    joiner: str = ""  # what joined it to the previous clause: "", ",", "and", ";", ":"
    colon_head: bool = False  # the text before a ':' in its sentence
    colon_body: bool = False
    sentence: int = 0

    def text(self, source: str) -> str:
        return source[self.start : self.end]


@dataclass
class Sentence:
    tokens: list[Token]
    start: int
    end: int
    clauses: list[Clause] = field(default_factory=list)
    line_item: bool = False  # starts with "1." / "-" on its own line


def tokenize(text: str, protected: list[tuple[int, int, str]]) -> list[Token]:
    """Tokens, with each protected span (e-mail, link, phone, address) as one token."""
    tokens: list[Token] = []
    spans = sorted(protected)
    pos = 0
    for start, end, kind in [*spans, (len(text), len(text), "")]:
        if start < pos:
            continue
        for m in _TOKEN.finditer(text, pos, start):
            word = m.group(0)
            kind_of = "num" if word[0].isdigit() else "word" if word[0].isalnum() else "punct"
            tokens.append(Token(word, m.start(), m.end(), kind_of))
        if kind:
            tokens.append(Token(text[start:end], start, end, kind))
        pos = end
    return tokens


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans inside quotes (without the quote marks); apostrophes are not quotes."""
    spans = []
    for m in re.finditer(r"[\"“«]([^\"“”«»\n]{1,300})[\"”»]", text):
        spans.append((m.start(1), m.end(1)))
    for m in re.finditer(r"(?<![\w])['‘]([^'‘’\n]{2,200}?)['’](?![\w])", text):
        spans.append((m.start(1), m.end(1)))
    return spans


def sentences(text: str, tokens: list[Token]) -> list[Sentence]:
    """Sentences: ends at . ! ? (not after an abbreviation or a list number) and at newlines."""
    out: list[Sentence] = []
    current: list[Token] = []

    def close() -> None:
        if current:
            words = [t for t in current if t.kind != "punct"]
            if words:
                item = bool(re.match(r"\s*(?:\d{1,2}[.)]|[-*•])\s", text[current[0].start :]))
                out.append(Sentence(list(current), current[0].start, current[-1].end, [], item))
            current.clear()

    for i, tok in enumerate(tokens):
        if current and "\n" in text[current[-1].end : tok.start]:
            close()
        current.append(tok)
        if tok.kind == "punct" and tok.text in ".!?":
            prev = tokens[i - 1] if i else None
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and nxt.kind == "punct" and nxt.text in ".!?":
                continue
            if tok.text == "." and prev is not None:
                if prev.low in _ABBREVIATIONS and nxt is not None and not nxt.capital:
                    continue
                line_start = text.rfind("\n", 0, prev.start) + 1
                if prev.kind == "num" and not text[line_start : prev.start].strip():
                    continue  # "1." opening a list item
            close()
    close()
    return out


def _verb_soon(tokens: list[Token], start: int, limit: int = 4) -> bool:
    """A finite verb (or copula) within `limit` tokens, before any subordinator."""
    for tok in tokens[start : start + limit + 1]:
        if tok.kind == "punct" and tok.text not in "'=":
            return False
        if tok.low in _SUBORDINATORS:
            return False
        if tok.low in lx.COPULAS or tok.low in lx.AUXILIARIES or tok.low in lx.CONTRACTED_SUBJECTS:
            return True
        forms = lx.verb_form(tok.text) if tok.is_word else set()
        if forms & {"VBZ", "VBD", "VBN"} and tok is not tokens[start]:
            return True
    return False


def starts_clause(tokens: list[Token], i: int) -> bool:
    """Does a new clause (a subject, then its verb) begin at token i?"""
    if i >= len(tokens):
        return False
    tok = tokens[i]
    if not tok.is_word:
        return False
    low = tok.low
    if low in lx.CONTRACTED_SUBJECTS:
        return True
    if low in lx.SUBJECT_PRONOUNS and low != "you":
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        return nxt is not None and nxt.is_word and nxt.low not in lx.PREPOSITIONS
    if lx.only_verb(tok.text) or (lx.is_base_verb(tok.text) and not lx.is_noun(tok.text)):
        return False  # an imperative step or a participle phrase, not a new subject
    if low in lx.POSSESSIVES:
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if nxt in lx.SLOT_NOUNS or (i + 2 < len(tokens) and tokens[i + 2].low in lx.SLOT_NOUNS):
            return True
        return _verb_soon(tokens, i + 1)
    if low in lx.SLOT_NOUNS and i + 1 < len(tokens) and tokens[i + 1].kind != "punct":
        return True  # ", bday jan 30": a verbless slot clause
    return _verb_soon(tokens, i + 1)


def _apposition(toks: list[Token], j: int) -> bool:
    """ ", Dr Byrne," : a name set off by commas, not a new clause."""
    k = j
    while (
        k < len(toks)
        and toks[k].is_word
        and (toks[k].capital or toks[k].low in ("dr", "mr", "mrs", "ms", "prof"))
    ):
        k += 1
    return k > j and k < len(toks) and toks[k].text == ","


def clauses(text: str, sentence: Sentence, index: int) -> list[Clause]:
    """Clauses of a sentence: split at ; and :, and at , / and / but before a new subject."""
    toks = sentence.tokens
    cuts: list[tuple[int, int, str]] = []  # (first token of the clause, tokens to skip, joiner)
    colon_at = None
    for i, tok in enumerate(toks):
        if tok.kind != "punct" and tok.low not in ("and", "but", "so", "or"):
            continue
        if tok.text == ";":
            cuts.append((i + 1, 0, ";"))
        elif tok.text == ":" and colon_at is None and i + 1 < len(toks):
            colon_at = len(cuts)
            cuts.append((i + 1, 0, ":"))
        elif (
            tok.text in ",—–-"
            or tok.low in ("and", "but")
            or (tok.low == "so" and i and toks[i - 1].text == ",")
        ):
            j = i + 1
            while j < len(toks) and toks[j].low in ("and", "but", "so", "then", "also", "oh"):
                j += 1
            if j < len(toks) and starts_clause(toks, j) and not _apposition(toks, j):
                cuts.append((i + 1, 0, "and" if tok.is_word else ","))
    out: list[Clause] = []
    bounds = [(0, "")] + [(c[0], c[2]) for c in cuts]
    for n, (first, joiner) in enumerate(bounds):
        last = bounds[n + 1][0] - 1 if n + 1 < len(bounds) else len(toks)
        part = toks[first:last]
        while part and (part[-1].kind == "punct" or part[-1].low in ("and", "but", "so")):
            part = part[:-1]
        while part and part[0].kind == "punct" and part[0].text not in "\"'“‘":
            part = part[1:]
        if not part:
            continue
        clause = Clause(part, part[0].start, part[-1].end, joiner, sentence=index)
        if colon_at is not None:
            clause.colon_head = n <= colon_at
            clause.colon_body = n > colon_at
        out.append(clause)
    return out
