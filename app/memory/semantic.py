"""Semantic memory: concepts, people, places, facts and preferences, by name."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.domain import MemoryType
from app.memory.base import SUMMARY_LIMIT, Fields, MemoryKind, shorten, spill_summary

DETAILS_LIMIT = 20_000


class SemanticFields(Fields):
    name: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=SUMMARY_LIMIT)
    details: str = Field(default="", max_length=DETAILS_LIMIT)


class SemanticKind(MemoryKind):
    type = MemoryType.SEMANTIC
    model = SemanticFields
    primary = "summary"
    description = "facts and knowledge: people, places, concepts, preferences"

    def prepare(self, text: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        raw = super().prepare(text, fields)
        summary = spill_summary(raw)
        if not raw.get("name") and summary:
            raw["name"] = shorten(summary, 60)
        return raw

    def render(self, fields: dict[str, Any]) -> str:
        parts = [f"{fields['name']}: {fields['summary']}"]
        if fields.get("details"):
            parts.append(fields["details"])
        return "\n".join(parts)

    def title(self, fields: dict[str, Any]) -> str:
        return shorten(fields["name"], 80)
