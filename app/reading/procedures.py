"""Procedures: ordered steps, however they are written.

Numbered or bulleted lines under a heading; "To X: do A, B, then C"; "first A, then B,
finally C"; a note like "bleed brakes: clamp bike, wheel off, ..."; and a story of how the
speaker did it ("I fixed the tap: turn off the valve, ..."). Steps are recognised by their
shape (a clause that starts with a bare verb), not by topic words.
"""

from __future__ import annotations

import re

from app.reading import lexicon as lx
from app.reading.context import Read
from app.reading.model import Procedure
from app.reading.segment import Sentence, Token

_CONNECTIVES = frozenset(
    """first firstly then next finally lastly afterwards after that and also second secondly
    third thirdly now""".split()
)
_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•]|step\s+\d+[:.)]?)\s*", re.I)


def _strip_connectives(tokens: list[Token]) -> list[Token]:
    i = 0
    while i < len(tokens) and (tokens[i].low in _CONNECTIVES or tokens[i].kind == "punct"):
        if tokens[i].low == "after" and i + 1 < len(tokens) and tokens[i + 1].low == "that":
            i += 1
        i += 1
    return tokens[i:]


def is_step(tokens: list[Token]) -> bool:
    """A clause that starts with a bare verb: "turn off the valve", "clamp bike"."""
    tokens = _strip_connectives(tokens)
    if not tokens or not tokens[0].is_word:
        return False
    first = tokens[0]
    if first.low in lx._CLOSED and first.low not in ("open", "close", "press"):
        return False
    if len([t for t in tokens if t.is_word]) == 1 and lx.is_noun(first.text):
        return False  # "flour", "butter": a list of things, not "boil"
    return lx.is_base_verb(first.text)


def split_steps(tokens: list[Token]) -> list[list[Token]]:
    """Steps of a run of tokens: split at , ; and at "then"/"finally"/"and" before a verb."""
    parts: list[list[Token]] = [[]]
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.text in (",", ";") or (tok.text == "." and nxt is not None):
            parts.append([])
            continue
        if (
            tok.low in ("then", "finally", "lastly", "next")
            and parts[-1]
            and parts[-1][-1].low not in lx.PREPOSITIONS
        ):
            parts.append([tok])
            continue
        if (
            tok.low == "and"
            and nxt is not None
            and nxt.is_word
            and lx.is_base_verb(nxt.text)
            and parts[-1]
            and not lx.is_noun(nxt.text)
        ):
            parts.append([])
            continue
        parts[-1].append(tok)
    return [p for p in (_strip_connectives(p) for p in parts) if p]


def title_from(r: Read, tokens: list[Token]) -> str:
    """A procedure's name from its heading: "To submit a timesheet" -> "submit a timesheet",
    "How I descale the kettle" -> "descale the kettle", "I fixed the tap" -> "fix the tap"."""
    toks = [t for t in tokens if t.kind != "punct" or t.text in "-&'"]
    lows = [t.low for t in toks[:3]]
    if lows[:1] in (["steps"], ["instructions"], ["guide"]) and lows[1:2] in (["to"], ["for"]):
        toks = toks[2:]  # "Steps to renew the car tax"
    while toks and (
        toks[0].low in lx.DISCOURSE
        or toks[0].low in ("to", "how", "yesterday", "today", "finally")
        or any(d.start <= toks[0].start < d.end for d in r.dates)
    ):
        toks = toks[1:]
    while toks and (
        toks[0].low in ("i", "we", "you", "to", "finally", "just", "once", "also")
        or toks[0].low in lx.CONTRACTED_SUBJECTS
    ):
        toks = toks[1:]
    if not toks:
        return ""
    first = toks[0]
    rest = r.text[toks[1].start : toks[-1].end] if len(toks) > 1 else ""
    if lx.is_past(first.text) or "VBN" in lx.verb_form(first.text):
        lemma = lx.verb_lemma(first.text) or first.text
        return f"{lemma} {rest}".strip()
    return r.text[first.start : toks[-1].end]


def _procedure(
    r: Read,
    head: list[Token],
    body: list[Token],
    start: int,
    end: int,
    steps: list[list[Token]] | None = None,
) -> Procedure | None:
    steps = steps if steps is not None else split_steps(body)
    if len(steps) < 2:
        return None
    verbs = sum(is_step(s) for s in steps)
    if verbs < 2 or verbs / len(steps) < 0.6:
        return None
    title = title_from(r, head)
    if not title:
        return None
    narrative = any(lx.is_past(t.text) for t in head[:6] if t.is_word)
    texts = tuple(r.words(s).strip(" ,.;") for s in steps)
    return Procedure(title, texts, r.span(start, end), narrative)


def procedures(r: Read) -> list[Procedure]:
    """Every procedure in one message."""
    out: list[Procedure] = []
    sents = r.sentences
    used: set[int] = set()
    # Numbered or bulleted lines: the line before them is the heading.
    i = 0
    while i < len(sents):
        if sents[i].line_item:
            j = i
            while j < len(sents) and sents[j].line_item:
                j += 1
            items = [_item_tokens(r, s) for s in sents[i:j]]
            head = sents[i - 1].tokens if i > 0 and i - 1 not in used else []
            if len(items) >= 2 and head:
                start = sents[i - 1].start
                proc = _procedure(r, head, [], start, sents[j - 1].end, steps=items)
                if proc is None:  # list items with several actions: each line is one step
                    texts = tuple(r.words(t).strip(" ,.;") for t in items)
                    proc = Procedure(title_from(r, head), texts, r.span(start, sents[j - 1].end))
                out.append(proc)
                used.update(range(i - 1, j))
            i = j
            continue
        i += 1
    for n, sentence in enumerate(sents):
        if n in used:
            continue
        proc = _sentence_procedure(r, sentence)
        if proc is not None:
            out.append(proc)
            used.add(n)
    return out


def _item_tokens(r: Read, sentence: Sentence) -> list[Token]:
    toks = sentence.tokens
    marker = _ITEM.match(r.text[sentence.start : sentence.end])
    if marker:
        cut = sentence.start + marker.end()
        toks = [t for t in toks if t.start >= cut]
    return toks


def _sentence_procedure(r: Read, sentence: Sentence) -> Procedure | None:
    toks = sentence.tokens
    colon = next((i for i, t in enumerate(toks) if t.text == ":"), None)
    if colon is not None and colon > 0:
        return _procedure(r, toks[:colon], toks[colon + 1 :], sentence.start, sentence.end)
    # "To X, do A, then B": the purpose clause is the heading.
    if toks and toks[0].low == "to" and len(toks) > 2 and lx.is_base_verb(toks[1].text):
        comma = next((i for i, t in enumerate(toks) if t.text == ","), None)
        if comma:
            return _procedure(r, toks[:comma], toks[comma + 1 :], sentence.start, sentence.end)
    return None
