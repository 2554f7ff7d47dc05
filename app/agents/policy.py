"""The checks every proposed operation passes before it is written.

A small model invents names, repeats itself, copies what it should not and "invalidates" facts
at random; these rules are what make its output safe to store:

- nothing goes to the vault, and nothing that looks like a secret is stored;
- a model's text must be grounded in the input (its words, and every name it uses);
- UPDATE / INVALIDATE / NOOP only on a memory the manager was shown, and never on what the
  person entered by hand or on the raw record of a message or screen session;
- an ADD that nearly repeats an existing memory becomes a NOOP that adds the new source;
- every operation gets sources: the inputs that support it best.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.agents.inputs import AgentInput, Batch
from app.agents.operations import Action, Operation
from app.agents.text import content_words, grounding, near_duplicate, unsupported_names
from app.domain import Memory, MemoryType, Source
from app.errors import InvalidInput
from app.llm.repetition import trim_repeats
from app.memory import kind_of
from app.security.redact import has_secret, without_placeholders

log = logging.getLogger(__name__)

_PROMPT_ARTIFACT = re.compile(
    r"\(\d{4}-\d{2}-\d{2}|^\s*\[\d+\]|^\s*\d+\.\s|^\s*[A-Z][a-z]+:\s|#\d+\b|NEW INPUT|"
    r"KNOWN FACTS|TASK:"
)
_FIRST_PERSON = re.compile(r"(?i)\b(?:i|i'm|i've|i'd|my|me|mine|myself)\b")
GROUNDED = 0.7  # share of a model text's content words that must come from the input
EDITABLE_ORIGINS = frozenset({"agent"})  # the only records agents may change or invalidate


@dataclass
class PolicyStats:
    counts: Counter[str] = field(default_factory=Counter)

    def note(self, what: str) -> None:
        self.counts[what] += 1


def render(op: Operation) -> str | None:
    """The searchable text the operation would store, or None if its fields are invalid."""
    try:
        if op.type is MemoryType.CORE:
            return str(op.fields.get("value", ""))
        kind = kind_of(op.type)
        return kind.render(kind.build(None, op.fields))
    except InvalidInput:
        return None


def _clean_strings(op: Operation) -> None:
    for key, value in list(op.fields.items()):
        if isinstance(value, str):
            op.fields[key] = trim_repeats(without_placeholders(value)) if value else value
        elif isinstance(value, list):
            seen: list[str] = []
            for item in value:
                text = trim_repeats(without_placeholders(str(item)))
                if text and text not in seen:
                    seen.append(text)
            op.fields[key] = seen


def _secret_in(op: Operation) -> bool:
    for value in op.fields.values():
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and has_secret(v) for v in items):
            return True
    return has_secret(op.reason)


def attribute(text: str, inputs: Sequence[AgentInput], hint: int | None = None) -> list[Source]:
    """The inputs that support `text` best: the hinted one if it does, else the two with the
    most words in common, else all of them."""
    mine = content_words(text)
    scored = []
    for n, item in enumerate(inputs):
        theirs = content_words(f"{item.text} {item.title} {' '.join(item.attachments)}")
        overlap = len(mine & theirs)
        scored.append((overlap, n))
    if hint is not None and 0 <= hint < len(inputs) and scored[hint][0] > 0:
        return [inputs[hint].source]
    scored.sort(reverse=True)
    best = [inputs[n].source for overlap, n in scored[:2] if overlap > 0]
    return best or [i.source for i in inputs]


def review(
    ops: Sequence[Operation],
    batch: Batch,
    shown: dict[str, Memory],
    similar: Any,
    stats: PolicyStats,
) -> list[Operation]:
    """The operations that may be written, rewritten where a rule says so.

    `shown`: the existing memories the managers saw, by id. `similar(op_type, text)` returns
    existing active memories of that type that may duplicate the text.
    """
    evidence = batch.evidence()
    accepted: list[Operation] = []
    for op in ops:
        if op.type is MemoryType.VAULT:
            stats.note("vault_refused")
            continue
        _clean_strings(op)
        if _secret_in(op):
            stats.note("secret_blocked")
            continue
        target = shown.get(op.target) if op.target else None
        if op.target and target is None:
            stats.note("unknown_target")
            continue
        text = render(op) if op.action in (Action.ADD, Action.UPDATE) else None
        if op.action in (Action.ADD, Action.UPDATE) and not text:
            stats.note("invalid_fields")
            continue
        # An invalidation's reason reads "why: what the input said"; the latter must be grounded.
        said = text if text is not None else op.reason.split(": ", 1)[-1]
        if op.proposer == "model" and op.action is not Action.NOOP:
            support = [*evidence, target.text if target else ""]
            if any(_PROMPT_ARTIFACT.search(piece) for piece in _model_strings(op)):
                stats.note("prompt_copied")
                continue
            if grounding(said, support) < GROUNDED or unsupported_names(said, support):
                stats.note("ungrounded")
                continue
            if (
                op.type is MemoryType.SEMANTIC
                and text is not None
                and not _speaker_matches(op, batch)
            ):
                stats.note("misattributed")
                continue
        if op.action in (Action.UPDATE, Action.INVALIDATE) and target is not None:
            if target.origin not in EDITABLE_ORIGINS or not target.active:
                if op.action is Action.UPDATE:
                    op.action, op.target = Action.ADD, None  # keep the new fact, not the edit
                    text = render(op)
                else:
                    stats.note("protected_target")
                    continue
            elif op.action is Action.INVALIDATE and op.proposer == "model":
                subject = target.fields.get("name") or target.title
                if not content_words(str(subject)) & content_words(" ".join(evidence)):
                    stats.note("unsupported_invalidate")
                    continue
        if op.action is Action.ADD and text is not None:
            duplicate = _duplicate_of(op, text, accepted, similar)
            if isinstance(duplicate, Operation):
                duplicate.sources = tuple(dict.fromkeys([*duplicate.sources, *op.sources]))
                stats.note("merged_in_batch")
                continue
            if duplicate is not None:
                op.action, op.target = Action.NOOP, duplicate.id
                op.reason = "seen again"
                stats.note("deduplicated")
        if not op.sources:
            op.sources = tuple(attribute(text or op.reason, batch.inputs))
        accepted.append(op)
    return accepted


_KEYS = frozenset(
    {"name", "label", "actor", "event_type", "occurred_at", "entry_type", "resource_type"}
)


def _model_strings(op: Operation) -> list[str]:
    """The free text a model wrote into an operation (not the fields an enum fixed)."""
    pieces = [op.reason.split(": ", 1)[-1]] if op.action is Action.INVALIDATE else []
    for key, value in op.fields.items():
        if key in _KEYS:
            continue
        pieces.extend(value if isinstance(value, list) else [value])
    return [str(p) for p in pieces if p]


def _speaker_matches(op: Operation, batch: Batch) -> bool:
    """A first-person fact ("I moved to Boston") is about whoever said it: its subject must be
    the speaker of the input that supports it."""
    summary = str(op.fields.get("summary", ""))
    if not _FIRST_PERSON.search(summary):
        return True
    subject = str(op.fields.get("name", "")).strip().lower()
    support = attribute(summary, batch.inputs)
    speakers = {i.speaker.strip().lower() for i in batch.inputs if i.source in support}
    return subject in speakers


def _duplicate_of(
    op: Operation, text: str, accepted: Sequence[Operation], similar: Any
) -> Operation | Memory | None:
    for other in accepted:
        if other.type is op.type and other.action is Action.ADD:
            other_text = render(other)
            if other_text and near_duplicate(text, other_text):
                return other
    if op.type is MemoryType.CORE:
        return None  # core lines are checked against the block when applied
    for memory in similar(op.type, text):
        if memory.active and near_duplicate(text, memory.text):
            return memory
    return None
