"""Procedural memory: how to do things, as ordered steps."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from app.domain import MemoryType
from app.memory.base import Fields, MemoryKind

MAX_STEPS = 50


class ProceduralFields(Fields):
    entry_type: str = Field(default="how-to", min_length=1, max_length=64)
    summary: str = Field(min_length=1, max_length=1_000)
    steps: list[str] = Field(default_factory=list, max_length=MAX_STEPS)

    @field_validator("steps", mode="before")
    @classmethod
    def _split_steps(cls, value: Any) -> Any:
        """Steps may come as a list or as one string: one per line, or separated by ';'."""
        if isinstance(value, str):
            lines = value.splitlines() if "\n" in value else value.split(";")
            value = [re.sub(r"^\s*(\d+[.)]|[-*•])\s*", "", line) for line in lines]
        if isinstance(value, list):
            value = [str(step).strip() for step in value if str(step).strip()]
            for step in value:
                if len(step) > 1_000:
                    raise ValueError("each step is limited to 1,000 characters")
        return value


class ProceduralKind(MemoryKind):
    type = MemoryType.PROCEDURAL
    model = ProceduralFields
    primary = "summary"
    description = "how-tos and workflows as ordered steps"

    def render(self, fields: dict[str, Any]) -> str:
        steps = "\n".join(f"{n}. {step}" for n, step in enumerate(fields["steps"], 1))
        return f"{fields['summary']}\n{steps}".strip()
