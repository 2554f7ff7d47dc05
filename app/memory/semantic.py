"""Semantic memory: concepts, people, places, facts and preferences, by name."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.domain import MemoryType
from app.memory.base import SUMMARY_LIMIT, Fields, MemoryKind, shorten, spill_summary

DETAILS_LIMIT = 20_000


EntityKind = Literal["person", "pet", "place", "organisation", "thing"]


class SlotValue(Fields):
    """One value of an entity's slot, with the message it was read from. A value a later
    message replaced stays, `current` false, with that message and the reason."""

    value: str = Field(min_length=1, max_length=1_000)
    label: str | None = Field(default=None, max_length=60)
    source: str = Field(default="", max_length=600)  # "chat:<message id>"
    said_at: str | None = Field(default=None, max_length=40)
    current: bool = True
    replaced_by: str | None = Field(default=None, max_length=600)
    reason: str | None = Field(default=None, max_length=600)


class SemanticFields(Fields):
    name: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=SUMMARY_LIMIT)
    details: str = Field(default="", max_length=DETAILS_LIMIT)
    # An entity record (a person, pet, place, organisation or thing) holds its facts as slots.
    kind: EntityKind | None = None
    relation: str | None = Field(default=None, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    slots: dict[str, list[SlotValue]] = Field(default_factory=dict, max_length=60)


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
