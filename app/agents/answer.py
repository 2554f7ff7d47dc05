"""An answer as the person gets it (`Answer`: the text, who wrote it, its citations, one line
saying what it is built from), who writes answers (`answer_mode`), and citations for a model's
(already checked) answer, even from a weak model.

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
from dataclasses import dataclass, field
from typing import Any

from app.agents.grounded import UNKNOWN
from app.agents.text import content_words, grounding
from app.domain import SearchHit
from app.llm.repetition import is_repetitive
from app.settings import ModelSettings

_CITE = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")


@dataclass
class Answer:
    answer: str  # exactly what was streamed (nothing else is ever shown)
    citations: list[str]
    citation_method: str  # "model" | "overlap" | "memories" | "saved" | "none"
    fallback: bool  # the model's answer did not hold up; the memories answered
    conversation: str
    cancelled: bool = False
    generated: str = ""  # what the model streamed
    context_ids: list[str] = field(default_factory=list)  # every memory that was in the prompt
    saved: str | None = None  # the memory an explicit "remember ..." request created
    seconds: float = 0.0
    completion_tokens: int = 0
    model_error: str | None = None  # why the model could not answer (the memories did)
    answered_by: str = "model"  # "model", "memories" (built from them), "memloci" (saved)
    found: bool = True  # False: no memory answers the question (nothing was guessed)
    related: list[str] = field(default_factory=list)  # the closest memories, when not found
    dropped: int = 0  # model sentences left out: they named what no memory holds
    model_name: str | None = None

    @property
    def built_from(self) -> str:
        """One line for the person: what the answer is built from."""
        return describe(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "citations": self.citations,
            "citation_method": self.citation_method,
            "fallback": self.fallback,
            "conversation": self.conversation,
            "cancelled": self.cancelled,
            "saved": self.saved,
            "model_error": self.model_error,
            "answered_by": self.answered_by,
            "found": self.found,
            "related": self.related,
            "dropped": self.dropped,
            "built_from": self.built_from,
        }


def describe(answer: Answer) -> str:
    """What the answer is built from, in words a person understands."""
    if answer.answered_by == "memloci":
        return "Saved as you asked."
    left_out = ""
    if answer.dropped:
        many = answer.dropped > 1
        left_out = (
            f" {answer.dropped} sentence{'s' if many else ''} of the model's answer "
            f"{'were' if many else 'was'} left out: {'they' if many else 'it'} named something "
            "your memories do not hold."
        )
    if answer.answered_by == "model":
        name = answer.model_name or "the language model"
        return (
            f"Written by {name}; each sentence was checked against your memories before it "
            f"was shown.{left_out}"
        )
    if answer.model_error:
        head = "The model could not answer, so this answer is built from your memories"
    elif answer.fallback:
        head = "The model's answer did not hold up, so this one is built from your memories"
    else:
        head = "Built from your memories"
    if not answer.found:
        return f"{head}: none of them answers this, so nothing was guessed.{left_out}"
    return f"{head}: quoted with their dates and sources, nothing generated.{left_out}"


@dataclass(frozen=True)
class AnswerSource:
    """Who writes answers now: built from the memories, or a model whose sentences are checked."""

    mode: str  # "memories" | "model"
    model: str | None  # the model's name when it writes
    line: str  # one sentence for the person


def answer_mode(settings: ModelSettings) -> str:
    """ "model" or "memories", resolving "auto" by the model in use."""
    if settings.answer_mode == "auto":
        return "memories" if settings.backend == "bundled" else "model"
    return settings.answer_mode


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
