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


# -- entity records: text from slots -------------------------------------------------------------
def slot_phrase(key: str, value: str) -> str:
    """How one slot value reads in a summary: "lives in Gdansk", "mobile phone +44 ..."."""
    slot, _, label = key.partition("(")
    label = label.rstrip(")")
    if slot == "lives_in":
        return f"lives in {value}"
    if slot == "works_at":
        return f"works at {value}"
    if slot in ("email", "phone", "address", "birthday"):
        return f"{label + ' ' if label else ''}{slot} {value}"
    if slot == "hours":
        return f"hours: {value}"
    return value


def slot_piece(key: str, value: Any) -> str:
    """A slot value as one line of the details (and as what forgetting removes)."""
    return f"{key}: {value['value']}"


def entity_text(relation: str | None, slots: dict[str, Any]) -> tuple[str, str]:
    """The summary and details of an entity record, from its current slot values."""
    phrases: list[str] = []
    lines: list[str] = []
    for key, values in slots.items():
        for value in values:
            if not value.get("current", True):
                continue
            phrase = slot_phrase(key, str(value["value"]))
            low = phrase.lower()
            ref = str(value.get("source", "")).partition(":")[2]
            lines.append(f"{slot_piece(key, value)}  [{ref}]" if ref else slot_piece(key, value))
            if any(low in p.lower() or p.lower() in low for p in phrases):
                phrases = [p for p in phrases if p.lower() not in low]
                if any(low in p.lower() for p in phrases):
                    continue
            phrases.append(phrase)
    summary = "; ".join(([relation] if relation else []) + phrases)
    return shorten(summary, SUMMARY_LIMIT), "\n".join(lines)[:DETAILS_LIMIT]


def slot_pieces(fields: dict[str, Any], refs: set[str]) -> list[str]:
    """The slot values an entity record holds from these sources ("chat:<id>")."""
    return [
        slot_piece(key, value)
        for key, values in (fields.get("slots") or {}).items()
        for value in values
        if value.get("source") in refs
    ]


def without_slot_values(fields: dict[str, Any], pieces: set[str]) -> dict[str, Any]:
    """An entity record without these slot values, its summary and details written again."""
    out = dict(fields)
    slots = {
        key: [v for v in values if slot_piece(key, v) not in pieces]
        for key, values in (fields.get("slots") or {}).items()
    }
    out["slots"] = {k: v for k, v in slots.items() if v}
    summary, details = entity_text(out.get("relation"), out["slots"])
    out["summary"] = summary or str(out.get("name", ""))
    out["details"] = details
    return out
