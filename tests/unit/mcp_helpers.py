"""What the MCP tests share: a store with screen activity, chat, notes, core memory and vault
entries, and the SDK's own client over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app.domain import Source, utcnow

T = TypeVar("T")

VAULT = [("Bank PIN", "8841-7723", "high"), ("E-mail password", "Tr0ub4dor&3-vault", "medium")]
SECRETS = [secret for _, secret, _ in VAULT]
ALL_TOOLS = {
    "search_memories",
    "get_memory",
    "memory_context",
    "activity",
    "ask_memory",
    "add_memory",
}


def seed(memloci: Any) -> dict[str, str]:
    """The person's memory; returns the ids the tests name."""
    now = utcnow()
    ids = {}
    ids["library"] = memloci.add("Met Ana at the library in Porto to plan the Atlas launch").id
    memloci.add("Name: Ana Silva\nMy city: Porto", type="core", fields={"label": "human"})
    for caption, secret, sensitivity in VAULT:
        vault = memloci.add(
            None,
            type="vault",
            fields={"caption": caption, "secret_value": secret, "sensitivity": sensitivity},
        )
        ids[caption] = vault.id
    ids["leak"] = memloci.add("Told Marta the mailbox password is Tr0ub4dor&3-vault").id
    ids["screen"] = memloci.add(
        None,
        type="episodic",
        fields={
            "summary": "Editing pelican survey.odt in LibreOffice Writer",
            "details": "Pelican survey: 14 nests counted on the north shore",
            "event_type": "screen",
            "actor": "LibreOffice Writer",
            "occurred_at": (now - timedelta(hours=2)).isoformat(),
        },
        sources=[Source("screen", "session-1")],
        actor="agent:capture",
    ).id
    ids["chat"] = memloci.add(
        None,
        type="episodic",
        fields={
            "summary": "Ana: shall we meet Friday to finish the pelican survey?",
            "event_type": "message",
            "actor": "Ana",
            "occurred_at": (now - timedelta(hours=1)).isoformat(),
        },
        sources=[Source("chat", "conversation-1:4")],
        actor="import",
    ).id
    memloci.update(ids["library"], "Met Ana at the library in Porto to plan the Atlas launch.")
    memloci.save_settings(memloci.settings.with_value("model.answer_mode", "memories"))
    return ids


def result_json(result: Any) -> dict[str, Any]:
    """A tool result's structured content (its text is the same JSON)."""
    assert not result.is_error, result.content
    text = result.content[0].text
    assert json.loads(text) == result.structured_content
    return dict(result.structured_content)


def error_text(result: Any) -> str:
    assert result.is_error, result.structured_content
    return str(result.content[0].text)


@asynccontextmanager
async def http_client(url: str, token: str | None, mode: str = "auto") -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode) as client,
    ):
        yield client


def run(script: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(script())
