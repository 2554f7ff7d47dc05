"""Turning a model's answer into an answer with correct citations, even from a weak model.

Citations are always ids of memories that were in the prompt. In order of preference:
- "model": the numbers the model cited ([2]) whose memories share words with the answer;
- "overlap": the memories the answer draws on, measured by the answer's words that are in a
  memory but not in the question;
- "extractive": when the model's answer is empty, loops, or draws on none of the memories, the
  answer is replaced by the memory sentences that best match the question (deterministic; the
  bundled 135M model needs this often) and those memories are cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.agents.text import content_words, grounding, unsupported_names
from app.domain import SearchHit
from app.llm.repetition import is_repetitive

_CITE = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_LIST_COPY = re.compile(
    r"\[\d{1,2}\]\s*\((?:core|episodic|semantic|procedural|resource|vault|\d{4}-\d{2}-\d{2})"
)
_UNKNOWN = re.compile(
    r"(?i)\b(?:do not|don't|cannot|can't|could not|couldn't)\s+(?:know|remember|find|recall)|"
    r"\bno (?:memories|information|record)\b"
)


@dataclass(frozen=True)
class Cited:
    answer: str
    citations: list[str]
    method: str  # "model" | "overlap" | "extractive" | "none"
    fallback: bool


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


def extractive(question: str, context: Sequence[SearchHit], top: int = 2) -> tuple[str, list[str]]:
    """The memory sentences that best match the question, and their memories."""
    wanted = content_words(question)
    scored: list[tuple[int, int, str, SearchHit]] = []
    for rank, hit in enumerate(context):
        for sentence in _SENTENCES.split(hit.text):
            sentence = sentence.strip()
            if len(sentence) < 4:
                continue
            score = len(content_words(sentence) & wanted)
            if score:
                scored.append((score, -rank, sentence, hit))
    if not scored:
        return "", []
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scored[0][0]
    chosen: list[tuple[str, SearchHit]] = []
    for score, _, sentence, hit in scored:
        if len(chosen) >= top or score < (best if best <= 2 else best - 1):
            break
        if all(hit.id != other.id for _, other in chosen):
            chosen.append((sentence, hit))
    lines = [
        f"{sentence} ({hit.occurred_at.day} {hit.occurred_at:%B %Y})" for sentence, hit in chosen
    ]
    return "From your memories: " + " ".join(lines), [hit.id for _, hit in chosen]


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
    clean = strip_markers(answer, len(context))
    if not context:
        return Cited(clean or "I do not remember anything about that.", [], "none", False)
    degenerate = (
        not clean
        or is_repetitive(clean)
        or bool(_LIST_COPY.search(answer))  # it recited the memory list instead of answering
        or grounding(_CITE.sub(" ", clean), [h.text for h in context]) < 0.3
        or bool(unsupported_names(clean, [question, *(h.text for h in context)]))
    )
    if clean and _UNKNOWN.search(clean) and not cited and len(clean) < 300:
        return Cited(clean, [], "none", False)  # an honest "I don't remember" stays
    if cited and not degenerate:
        return Cited(clean, cited, "model", False)
    scored = []
    for rank, hit in enumerate(context):
        overlap = len(words & content_words(hit.text))
        if overlap:
            scored.append((overlap, -rank, hit.id))
    scored.sort(reverse=True)
    if scored and not degenerate:
        best = scored[0][0]
        ids = [i for overlap, _, i in scored if overlap >= max(1, best // 2)][:3]
        return Cited(clean, ids, "overlap", False)
    replacement, ids = extractive(question, context)
    if replacement:
        return Cited(replacement, ids, "extractive", True)
    return Cited(clean or "I do not remember anything about that.", [], "none", False)
