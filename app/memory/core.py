"""Core memory: the `persona` and `human` blocks that are always in the agent's context."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.domain import MemoryType
from app.memory.base import Fields, MemoryKind

BLOCK_LIMIT = 5_000
LABELS = ("persona", "human")
# What a person reads for each block; the stored labels stay MIRIX's ("human", "persona").
BLOCK_TITLES = {"human": "About you", "persona": "How Memloci answers"}


def block_title(label: str) -> str:
    """A block's title for a person ("About you"), whatever its stored label."""
    return BLOCK_TITLES.get(label, f"{label} block")


class CoreLine(Fields):
    """Where one `Key: value` line of a block came from (the agents' slot lines)."""

    key: str = Field(min_length=1, max_length=80)
    value: str = Field(min_length=1, max_length=1_000)
    slot: str | None = Field(default=None, max_length=60)  # the reader's slot ("phone", ...)
    source: str = Field(default="", max_length=600)  # "chat:<message id>"
    said_at: str | None = Field(default=None, max_length=40)


class CoreFields(Fields):
    label: Literal["persona", "human"] = "human"
    value: str = Field(min_length=1, max_length=BLOCK_LIMIT)
    lines: list[CoreLine] = Field(default_factory=list, max_length=400)


class CoreKind(MemoryKind):
    type = MemoryType.CORE
    model = CoreFields
    primary = "value"
    description = "who you are (About you) and how Memloci should answer (How Memloci answers)"

    def render(self, fields: dict[str, Any]) -> str:
        return f"{block_title(fields['label'])}: {fields['value']}"

    def title(self, fields: dict[str, Any]) -> str:
        return block_title(fields["label"])

    def append(self, fields: dict[str, Any], addition: str) -> dict[str, Any]:
        """Core blocks grow by appending a line; the bound is checked by validation."""
        return self.merge(fields, {"value": f"{fields['value']}\n{addition.strip()}"})
