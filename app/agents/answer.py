"""Citations for a model's (already checked) answer, even from a weak model.

Citations are always ids of memories that were in the prompt. In order of preference:
- "model": the numbers the model cited ([2]) whose memories share words with the answer;
- "overlap": the memories the answer draws on, measured by the answer's words that are in a
  memory but not in the question.
Whether the answer may be shown at all is decided before, sentence by sentence
(`app.agents.grounded`); when nothing of it holds up, the composer's answer
(`app.agents.compose`) replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.agents.grounded import UNKNOWN
from app.agents.text import content_words, grounding
from app.domain import SearchHit
from app.llm.repetition import is_repetitive

_CITE = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")


@dataclass(frozen=True)
class Cited:
    citations: list[str]
    method: str  # "model" | "overlap" | "none"


def model_numbers(answer: str) -> list[int]:
    found: list[int] = []
    for match in _CITE.finditer(answer):
        for part in re.split(r"[,;]", match.group(1)):
            number = int(part.strip())
            if number not in found:
                found.append(number)
    return found


def strip_markers(answer: str, count: int) -> str:
    """Remove citation markers that point at nothing."""

    def keep(match: re.Match[str]) -> str:
        numbers = [int(p.strip()) for p in re.split(r"[,;]", match.group(1))]
        return match.group(0) if all(1 <= n <= count for n in numbers) else ""

    return _CITE.sub(keep, answer).strip()


def _answer_words(answer: str, question: str) -> set[str]:
    return content_words(_CITE.sub(" ", answer)) - content_words(question)


def cite(answer: str, question: str, context: Sequence[SearchHit]) -> Cited:
    """Citations for an answer given the memories that were in its prompt (numbered from 1)."""
    words = _answer_words(answer, question)
    cited: list[str] = []
    for number in model_numbers(answer):
        if 1 <= number <= len(context):
            hit = context[number - 1]
            if (
                words & content_words(hit.text)
                or len(content_words(question) & content_words(hit.text)) >= 2
            ):
                cited.append(hit.id)
    if cited:
        return Cited(list(dict.fromkeys(cited)), "model")
    scored = []
    for rank, hit in enumerate(context):
        overlap = len(words & content_words(hit.text))
        if overlap:
            scored.append((overlap, -rank, hit.id))
    scored.sort(reverse=True)
    if scored:
        best = scored[0][0]
        return Cited([i for overlap, _, i in scored if overlap >= max(1, best // 2)][:3], "overlap")
    return Cited([], "none")


def holds_up(answer: str, context: Sequence[SearchHit]) -> bool:
    """Is a checked answer an answer: not empty, not a loop, drawn on the memories, and not an
    "I don't know" (which the memories may still answer)?"""
    clean = _CITE.sub(" ", answer).strip()
    if not clean or is_repetitive(clean):
        return False
    if UNKNOWN.search(clean):
        return False
    return grounding(clean, [h.text for h in context]) >= 0.3
