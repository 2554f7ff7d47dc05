"""Small text measures the agents rely on: content words, grounding in the input, similarity.

They are what keeps a weak model honest: an operation whose words are not in the input is a
hallucination and is dropped; two memories whose words nearly coincide are one memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:['’]s)?\b")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just let me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    yes yeah oh ok okay wow hey hi hello really so thanks thank lol haha im i'm it's that's
    don't didn't can't won't isn't wasn't i've i'll i'd you're you've we're they're there's
    one get got go going gonna like just well much many things thing lot lots something
    said say says tell told know think thought feel felt make made way even still back""".split()
)

# Capitalised words that begin sentences or are common, not names.
NOT_NAMES = frozenset(
    """I The A An And But So Yes No Oh Wow Hey Hi Hello Thanks Thank That This It Its What When
    Where Who Why How My Your Our Their His Her We You They He She Me Just Really Well Sure Okay
    Ok Great Good Nice Cool Awesome Also Then There Here Let Sounds Glad Sorry Congrats Yeah
    Absolutely Definitely Totally Haha Lol Monday Tuesday Wednesday Thursday Friday Saturday
    Sunday January February March April May June July August September October November
    December Today Tomorrow Yesterday Last Next Do Did Does Have Has Had Is Are Was Were Can
    Could Would Should Will Not Dear Memloci""".split()
)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


QUESTION_OPENERS = frozenset(
    "what who whom whose where when which why how did do does is are was were can could "
    "should would will have has tell show list find give remind".split()
)


def is_question(text: str) -> bool:
    """A question to Memloci rather than something the person tells it ("What did I do
    yesterday?", "tell me about Jonas"): kept with the conversation, never as a memory."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return True
    first = words(stripped[:40])
    return bool(first) and first[0] in QUESTION_OPENERS


def stem(word: str) -> str:
    """A crude stem: enough to match 'lives'/'lived'/'living' with 'live'."""
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) <= 3:
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("ied", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                break
            word = word[: -len(suffix)] + replacement
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """Stemmed words that carry meaning (no stopwords, no single letters)."""
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1}


def names(text: str, *, openers: bool = False) -> set[str]:
    """Capitalised words that look like names, never months or common words. Sentence openers
    ("Anything", "Painting") count only with `openers` or when they also appear capitalised
    mid-sentence."""
    opening: set[str] = set()
    inside: set[str] = set()
    for match in _CAPITALISED.finditer(text):
        word = match.group(0)
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word in NOT_NAMES:
            continue
        before = text[: match.start()].rstrip(" \t\"'“‘(*-")
        if not before or before[-1] in ".!?\n:;":
            opening.add(word)
        else:
            inside.add(word)
    return inside | (opening if openers else {w for w in opening if w in inside})


def grounding(text: str, evidence: Iterable[str]) -> float:
    """Share of the text's content words that occur in the evidence (1.0 = fully supported)."""
    mine = content_words(text)
    if not mine:
        return 0.0
    support: set[str] = set()
    for piece in evidence:
        support |= content_words(piece)
    return len(mine & support) / len(mine)


def unsupported_names(text: str, evidence: Iterable[str]) -> set[str]:
    """Names in the text that the evidence never mentions: the typical small-model invention."""
    seen = " ".join(evidence).lower()
    return {n for n in names(text, openers=True) if n.lower() not in seen}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of content words."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def containment(a: str, b: str) -> float:
    """How much of the smaller text's content the larger one covers."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def near_duplicate(a: str, b: str) -> bool:
    """Same memory in other words: almost all of the shorter one's content is in the longer one
    and the two share most of their words."""
    return containment(a, b) >= 0.9 and similarity(a, b) >= 0.6


def normalise(text: str) -> str:
    return " ".join(words(text))


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"
