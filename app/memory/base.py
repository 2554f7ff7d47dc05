"""What every memory type shares: validated fields, the searchable text, a title.

Each type module (core, episodic, ...) subclasses `MemoryKind` with its own pydantic model of
fields, limits and rendering. Storage is shared; behaviour is per type.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from app.domain import MemoryType
from app.errors import InvalidInput


class Fields(BaseModel):
    """Base for each type's field model: unknown keys are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def check_text(value: str, what: str) -> str:
    """Refuse text that cannot be stored faithfully (undecodable bytes, NUL)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"The {what} is not valid UTF-8 text.") from None
    if "\x00" in value:
        raise InvalidInput(f"The {what} contains a NUL character.")
    return value


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut, so a summary never ends mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


SUMMARY_LIMIT = 1_000


def spill_summary(raw: dict[str, Any]) -> str:
    """A summary over SUMMARY_LIMIT keeps every word in `details` (when that is empty) and
    becomes its own opening. Returns the summary as given."""
    summary = raw.get("summary") or ""
    if len(summary) > SUMMARY_LIMIT and not raw.get("details"):
        raw["details"] = summary
        raw["summary"] = shorten(summary, SUMMARY_LIMIT)
    return summary


def _describe(error: ValidationError, type_name: str) -> str:
    first = error.errors()[0]
    name = ".".join(str(part) for part in first.get("loc", ())) or "fields"
    kind = first.get("type", "")
    ctx = first.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"{type_name} memories have no field {name!r}."
    if kind == "missing":
        return f"{type_name} memories need the field {name!r}."
    if kind == "string_too_long":
        return (
            f"The {type_name} field {name!r} is limited to {ctx.get('max_length'):,} characters; "
            "shorten it (or store long text as a resource)."
        )
    if kind == "too_long":
        return f"The {type_name} field {name!r} is limited to {ctx.get('max_length')} items."
    if kind == "string_too_short":
        return f"The {type_name} field {name!r} must not be empty."
    return f"The {type_name} field {name!r}: {first.get('msg', 'invalid value')}."


class MemoryKind:
    """Behaviour of one memory type."""

    type: ClassVar[MemoryType]
    model: ClassVar[builtins.type[Fields]]
    primary: ClassVar[str]  # the field that a bare TEXT argument fills
    description: ClassVar[str]

    # -- building and validating -------------------------------------------------------------
    def prepare(self, text: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        """Hook for type-specific defaults (e.g. a title from the text). Returns raw fields."""
        raw = dict(fields)
        if text is not None and text.strip():
            raw.setdefault(self.primary, text)
        return raw

    def build(self, text: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        """Validated fields for a new memory."""
        for key, value in fields.items():
            if isinstance(value, str):
                check_text(value, f"field {key!r}")
        if text is not None:
            check_text(text, "text")
            if not text.strip() and not fields.get(self.primary):
                raise InvalidInput("The text is empty; say what to remember.")
        elif not fields:
            raise InvalidInput("Nothing to remember: give a text or fields.")
        return self.validate(self.prepare(text, fields))

    def validate(self, raw: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.model.model_validate(raw).model_dump(mode="json")
        except ValidationError as error:
            raise InvalidInput(_describe(error, self.type.value)) from None

    def merge(self, old: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Validated fields after an update: unspecified fields keep their old value."""
        for key, value in changes.items():
            if isinstance(value, str):
                check_text(value, f"field {key!r}")
        return self.validate({**old, **changes})

    # -- reading ------------------------------------------------------------------------------
    def render(self, fields: dict[str, Any]) -> str:
        """The text that full-text search and embeddings see. Never includes secrets."""
        raise NotImplementedError

    def title(self, fields: dict[str, Any]) -> str:
        return shorten(str(fields.get(self.primary, "")), 80)

    def occurred_at(self, fields: dict[str, Any]) -> datetime | None:
        """The moment the memory is about, if the fields say so."""
        return None

    def secret(self, fields: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """Split a secret value off the fields (only the vault has one)."""
        return fields, None
