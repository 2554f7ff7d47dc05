"""Knowledge vault: credentials, IDs and other sensitive facts.

The secret value is encrypted again on its own, never appears in the searchable text, listings,
logs or model prompts, and `high` sensitivity needs the passphrase again to reveal.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.domain import MemoryType
from app.memory.base import Fields, MemoryKind

MASK = "••••••••"


class VaultFields(Fields):
    entry_type: str = Field(default="credential", min_length=1, max_length=64)
    caption: str = Field(min_length=1, max_length=300)
    secret_value: str = Field(min_length=1, max_length=4_096)
    sensitivity: Literal["low", "medium", "high"] = "medium"


class VaultKind(MemoryKind):
    type = MemoryType.VAULT
    model = VaultFields
    primary = "caption"
    description = "secrets and identifiers: kept encrypted, masked until revealed"

    def render(self, fields: dict[str, Any]) -> str:
        return f"{fields['caption']} ({fields['entry_type']})"

    def title(self, fields: dict[str, Any]) -> str:
        return fields["caption"]

    def secret(self, fields: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        public = {k: v for k, v in fields.items() if k != "secret_value"}
        return public, fields.get("secret_value")

    def with_secret(self, public: dict[str, Any], secret: str) -> dict[str, Any]:
        return {**public, "secret_value": secret}
