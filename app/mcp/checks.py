"""The checks on what an MCP client sends, the same ones the memory agents apply: nothing that
looks like a secret is stored, text that reads as instructions to an AI is refused (the reading
rules' injection pattern), a near-duplicate is not stored twice, and nothing reaches the vault
(the tool takes no vault type; "remember my PIN is ..." is refused in a question, where the
person's own chat would file it in the vault).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from app.agents.managers.vault import explicit_request
from app.agents.text import near_duplicate
from app.domain import Memory, MemoryType
from app.errors import InvalidInput
from app.reading.reader import INJECTION  # the agents' own pattern, not a copy
from app.security.redact import find

if TYPE_CHECKING:
    from pydantic import JsonValue

    from app.core import Memloci

TEXT_LIMIT = 4_000
QUESTION_LIMIT = 4_000
ABOUT_LIMIT = 200


def question(text: str) -> None:
    """A question may be answered, never turned into a memory (least of all a vault entry)."""
    if not text or not text.strip():
        raise InvalidInput("The question is empty.")
    if len(text) > QUESTION_LIMIT:
        raise InvalidInput(f"A question is limited to {QUESTION_LIMIT:,} characters.")
    if explicit_request(text.strip()) is not None:
        raise InvalidInput(
            "Asking cannot save anything; use add_memory to add a memory (the vault is never "
            "written over MCP)."
        )


def addable(text: str) -> str:
    """The text to store, or a refusal that says why."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("The text is empty; say what to remember.")
    if len(text) > TEXT_LIMIT:
        raise InvalidInput(f"A memory added over MCP is limited to {TEXT_LIMIT:,} characters.")
    found = find(text)
    if found:
        kinds = ", ".join(sorted({f.kind for f in found}))
        raise InvalidInput(
            f"This looks like a secret ({kinds}) and was not stored; secrets belong in the "
            "vault, which only you can write (memloci add --type vault)."
        )
    if INJECTION.search(text):
        raise InvalidInput(
            "This reads like instructions to an AI rather than something to remember; it was "
            "not stored."
        )
    return text


def duplicate_of(memloci: Memloci, text: str, memory_type: MemoryType) -> Memory | None:
    """An active memory of the same type saying nearly the same thing, if there is one."""
    for hit in memloci.search(text, types=[memory_type], limit=5):
        if near_duplicate(text, hit.text):
            memory = memloci.get(hit.id)
            if memory.active:
                return memory
    return None


def fields_for(
    memory_type: MemoryType, text: str, about: str | None, when: datetime | None
) -> dict[str, JsonValue]:
    """The type's fields beside its main text: the subject of a fact, the title of a resource,
    the time of an event."""
    about = " ".join((about or "").split())[:ABOUT_LIMIT]
    if memory_type is MemoryType.SEMANTIC:
        if not about:
            raise InvalidInput("Say what the fact is about (about: a person, place or thing).")
        return {"name": about}
    if memory_type is MemoryType.RESOURCE:
        return {"title": about or text[:80]}
    if memory_type is MemoryType.EPISODIC:
        fields: dict[str, JsonValue] = {"event_type": "note", "actor": "user"}
        if when is not None:
            fields["occurred_at"] = when.isoformat()
        return fields
    return {}
