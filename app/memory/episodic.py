"""Episodic memory: things that happened, when, and who did them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_serializer, field_validator

from app.domain import MemoryType, from_iso, to_iso, utcnow
from app.memory.base import SUMMARY_LIMIT, Fields, MemoryKind, shorten, spill_summary

DETAILS_LIMIT = 20_000
DAY_SUMMARY = "day_summary"


def day_line(fields: dict[str, Any]) -> str:
    """An event's entry in its day summary's details: consolidation writes it, and forgetting
    the event takes it out again, so both must agree on it."""
    moment = fields["occurred_at"]
    moment = from_iso(moment) if isinstance(moment, str) else moment
    return f"{moment.astimezone():%H:%M} {fields.get('actor', '?')}: " + shorten(
        str(fields.get("summary", "")), 160
    )


class EpisodicFields(Fields):
    occurred_at: datetime = Field(default_factory=utcnow)
    event_type: str = Field(default="note", min_length=1, max_length=64)
    actor: str = Field(default="user", min_length=1, max_length=128)
    summary: str = Field(min_length=1, max_length=SUMMARY_LIMIT)
    details: str = Field(default="", max_length=DETAILS_LIMIT)

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _parse_time(cls, value: Any) -> Any:
        if isinstance(value, str):
            from app.timewords import parse_moment

            return parse_moment(value)
        return value

    @field_serializer("occurred_at")
    def _dump_time(self, value: datetime) -> str:
        return to_iso(value)


class EpisodicKind(MemoryKind):
    type = MemoryType.EPISODIC
    model = EpisodicFields
    primary = "summary"
    description = "events: what happened, when, who was involved"

    def prepare(self, text: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        raw = super().prepare(text, fields)
        spill_summary(raw)  # long text keeps every word in `details`
        return raw

    def render(self, fields: dict[str, Any]) -> str:
        parts = [f"{fields['actor']}: {fields['summary']}"]
        if fields.get("details") and fields["details"] != fields["summary"]:
            parts.append(fields["details"])
        return "\n".join(parts)

    def title(self, fields: dict[str, Any]) -> str:
        return shorten(fields["summary"], 80)

    def occurred_at(self, fields: dict[str, Any]) -> datetime | None:
        return from_iso(fields["occurred_at"])
