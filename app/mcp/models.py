"""What the MCP tools return: pydantic models, so clients get a schema for each result (the
SDK publishes it as the tool's output schema) and the text is the same JSON.

Every text here has passed the secret mask (`memloci.clients.mask_secrets`); a vault entry
appears as its caption only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue

TypeName = Literal["core", "episodic", "semantic", "procedural", "resource", "vault"]
AddableType = Literal["episodic", "semantic", "procedural", "resource"]


class SourceOut(BaseModel):
    kind: str = Field(description="chat, screen, file, user, agent, import or client")
    ref: str = Field(description="the message, screen session, file or program it came from")


class HitOut(BaseModel):
    id: str
    type: TypeName
    title: str
    text: str = Field(description="the memory's text (empty for a vault entry: caption only)")
    occurred_at: str
    score: float
    sources: list[SourceOut]
    app: str | None = Field(default=None, description="the application, for screen activity")


class SearchOut(BaseModel):
    query: str
    hits: list[HitOut]


class HistoryOut(BaseModel):
    version: int
    action: str = Field(description="add, update, invalidate, restore or merge")
    actor: str
    reason: str | None
    at: str
    fields: dict[str, JsonValue] = Field(description="the memory's fields after this change")


class MemoryOut(BaseModel):
    id: str
    type: TypeName
    title: str
    text: str
    fields: dict[str, JsonValue]
    occurred_at: str
    created_at: str
    updated_at: str
    valid: bool
    invalid_reason: str | None
    origin: str
    importance: float
    sources: list[SourceOut]
    history: list[HistoryOut]


class CitationOut(BaseModel):
    memory_id: str
    title: str


class AskOut(BaseModel):
    question: str
    answer: str
    citations: list[CitationOut]
    answered_by: str = Field(description="model, or memories (quoted without a model)")


class ContextItemOut(BaseModel):
    n: int
    memory_id: str
    type: TypeName
    title: str
    text: str


class ContextOut(BaseModel):
    text: str = Field(description="the cited block to put in front of the task")
    items: list[ContextItemOut]


class ActivityItemOut(BaseModel):
    start: str
    end: str
    app: str = Field(description="the application, or Chat, Files, Typed by you")
    kind: Literal["session", "event"]
    label: str
    memory_id: str | None


class AppTimeOut(BaseModel):
    app: str
    minutes: float


class ActivityOut(BaseModel):
    since: str
    until: str
    by_app: list[AppTimeOut]
    items: list[ActivityItemOut]
    truncated: bool = Field(description="more happened than is listed; narrow the range")


class AddOut(BaseModel):
    status: Literal["added", "duplicate"]
    memory_id: str
    title: str
