"""Resource memory: documents, files, transcripts the person works with."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.domain import MemoryType
from app.memory.base import Fields, MemoryKind, shorten

CONTENT_LIMIT = 1_000_000


class ResourceFields(Fields):
    title: str = Field(min_length=1, max_length=300)
    resource_type: str = Field(default="note", min_length=1, max_length=64)
    summary: str = Field(default="", max_length=2_000)
    content: str = Field(default="", max_length=CONTENT_LIMIT)


class ResourceKind(MemoryKind):
    type = MemoryType.RESOURCE
    model = ResourceFields
    primary = "content"
    description = "documents, files and transcripts"

    def prepare(self, text: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        raw = super().prepare(text, fields)
        content = raw.get("content") or ""
        if not raw.get("title"):
            first_line = next((line for line in content.splitlines() if line.strip()), "")
            raw["title"] = shorten(first_line or content, 80)
        if not raw.get("summary") and content:
            raw["summary"] = shorten(content, 300)
        return raw

    def render(self, fields: dict[str, Any]) -> str:
        parts = [fields["title"]]
        if fields.get("summary") and not fields["content"].startswith(fields["summary"][:-1]):
            parts.append(fields["summary"])
        parts.append(fields["content"])
        return "\n".join(p for p in parts if p)

    def title(self, fields: dict[str, Any]) -> str:
        return shorten(fields["title"], 80)
