"""What each MCP tool does, as plain synchronous functions over the facade: the async server
(`app/mcp/server.py`) runs them on worker threads.

Each checks the client's permission first, masks every text that leaves (vault secrets that
appear verbatim elsewhere, secret-shaped strings), shows vault entries by caption only, and
writes what it handed out to the disclosure log under the client's name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.autofill.disclosures import Recipient
from app.domain import Memory, MemoryType, SearchHit, Source, to_iso, utcnow
from app.errors import AccessDenied, InvalidInput
from app.mcp import checks
from app.mcp.models import (
    ActivityItemOut,
    ActivityOut,
    AddableType,
    AddOut,
    AppTimeOut,
    AskOut,
    CitationOut,
    ContextItemOut,
    ContextOut,
    HistoryOut,
    HitOut,
    MemoryOut,
    SearchOut,
    SourceOut,
    TypeName,
)
from app.store.clients import PERMISSIONS, Client, Permission
from app.store.writer import Initiator
from app.timewords import parse_bound

if TYPE_CHECKING:
    from pydantic import JsonValue

    from app.core import Memloci

CHANNEL = "mcp"
SEARCH_LIMIT = 50
ACTIVITY_ITEMS = 200
HISTORY_ROWS = 20
SCREEN_EVENT = "screen"


def require(client: Client, permission: Permission) -> None:
    if not client.may(permission):
        wanted = ",".join(p for p in PERMISSIONS if p in client.permissions | {permission})
        raise AccessDenied(
            f"{client.name} may not {permission} here; allow it in Memloci's Settings → "
            f"Privacy or with `memloci clients allow {client.name!r} --permission {wanted}`."
        )


def disclose(memloci: Memloci, client: Client, purpose: str, memories: Sequence[Memory]) -> None:
    """The disclosure log, under the client's name (vault entries left only their caption)."""
    shown = [m for m in memories if m.type is not MemoryType.VAULT]
    if shown:
        memloci.autofill.record(Recipient(CHANNEL, client.name, ""), purpose, shown)


def _type(memory_type: MemoryType) -> TypeName:
    name = memory_type.value
    assert name in ("core", "episodic", "semantic", "procedural", "resource", "vault")
    return name  # type: ignore[return-value]


def _sources(sources: Sequence[Source]) -> list[SourceOut]:
    return [SourceOut(kind=s.kind, ref=s.ref) for s in sources]


def _bound(text: str | None, *, end: bool) -> datetime | None:
    return parse_bound(text, end=end) if text and text.strip() else None


def screen_app(memory: Memory) -> str | None:
    """The application of a screen-activity memory (None for anything else)."""
    screen = any(s.kind == "screen" for s in memory.sources)
    if memory.type is MemoryType.EPISODIC and (
        screen or memory.fields.get("event_type") == SCREEN_EVENT
    ):
        return str(memory.fields.get("actor") or "") or None
    return None


def _matches(memory: Memory, app: str | None, window: str | None) -> bool:
    where = screen_app(memory)
    if where is None:
        return not app and not window
    if app and app.strip().lower() not in where.lower():
        return False
    return not window or window.strip().lower() in memory.title.lower()


# -- search --------------------------------------------------------------------------------------
def search(
    memloci: Memloci,
    client: Client,
    query: str,
    types: Sequence[TypeName] = (),
    since: str | None = None,
    until: str | None = None,
    app: str | None = None,
    window: str | None = None,
    limit: int = 10,
) -> SearchOut:
    require(client, "read")
    limit = max(1, min(limit, SEARCH_LIMIT))
    filtering = bool((app or "").strip() or (window or "").strip())
    wanted = [MemoryType(t) for t in types]
    if filtering:
        wanted = [MemoryType.EPISODIC]  # screen activity is episodic
    hits = memloci.search(
        query,
        types=wanted or None,
        limit=min(limit * 5, 100) if filtering else limit,
        since=_bound(since, end=False),
        until=_bound(until, end=True),
    )
    kept: list[tuple[SearchHit, Memory]] = []
    for hit in hits:
        memory = memloci.get(hit.id)
        if _matches(memory, app, window):
            kept.append((hit, memory))
        if len(kept) == limit:
            break
    clean = iter(
        memloci.clients.mask_secrets([t for h, m in kept for t in (m.title, _hit_text(h))])
    )
    out = [
        HitOut(
            id=hit.id,
            type=_type(hit.type),
            title=next(clean),
            text=next(clean),
            occurred_at=to_iso(hit.occurred_at),
            score=round(hit.score, 6),
            sources=_sources(hit.sources),
            app=screen_app(memory),
        )
        for hit, memory in kept
    ]
    disclose(memloci, client, "search", [memory for _, memory in kept])
    return SearchOut(query=query, hits=out)


def _hit_text(hit: SearchHit) -> str:
    return "" if hit.type is MemoryType.VAULT else hit.text


# -- one memory ----------------------------------------------------------------------------------
def _strings(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list | tuple):
        for item in value:
            _strings(item, out)


def _rebuild(value: object, masked: Iterator[str]) -> JsonValue:
    if isinstance(value, str):
        return next(masked)
    if isinstance(value, dict):
        return {str(k): _rebuild(v, masked) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rebuild(v, masked) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def masked(memloci: Memloci, values: list[object]) -> list[JsonValue]:
    """JSON values with every string masked, in one pass over the vault."""
    found: list[str] = []
    for value in values:
        _strings(value, found)
    stream = iter(memloci.clients.mask_secrets(found))
    return [_rebuild(value, stream) for value in values]


def get_memory(memloci: Memloci, client: Client, memory_id: str) -> MemoryOut:
    require(client, "read")
    memory = memloci.get(memory_id)
    vault = memory.type is MemoryType.VAULT
    history = [] if vault else memloci.history(memory.id)[-HISTORY_ROWS:]
    fields: dict[str, object] = (
        {"caption": memory.fields.get("caption", memory.title)} if vault else dict(memory.fields)
    )
    snapshots = [(h.new or {}).get("fields", h.new or {}) for h in history]
    title, text, clean, *changes = masked(
        memloci, [memory.title, "" if vault else memory.text, fields, *snapshots]
    )
    assert isinstance(title, str) and isinstance(text, str) and isinstance(clean, dict)
    out = MemoryOut(
        id=memory.id,
        type=_type(memory.type),
        title=title,
        text=text,
        fields=clean,
        occurred_at=to_iso(memory.occurred_at),
        created_at=to_iso(memory.created_at),
        updated_at=to_iso(memory.updated_at),
        valid=memory.active,
        invalid_reason=memory.invalid_reason,
        origin=memory.origin,
        importance=memory.importance,
        sources=_sources(memory.sources),
        history=[
            HistoryOut(
                version=h.version,
                action=h.action,
                actor=h.actor,
                reason=h.reason,
                at=to_iso(h.at),
                fields=change if isinstance(change, dict) else {},
            )
            for h, change in zip(history, changes, strict=True)
        ],
    )
    disclose(memloci, client, "read", [memory])
    return out


# -- ask and prompt context ----------------------------------------------------------------------
def ask(memloci: Memloci, client: Client, question: str) -> AskOut:
    require(client, "ask")
    checks.question(question)
    answer = memloci.ask(question, record=False)
    cited = [memloci.get(memory_id) for memory_id in answer.citations]
    text, *titles = memloci.clients.mask_secrets([answer.answer, *[m.title for m in cited]])
    disclose(memloci, client, "ask", cited)
    return AskOut(
        question=question,
        answer=text,
        citations=[
            CitationOut(memory_id=m.id, title=title) for m, title in zip(cited, titles, strict=True)
        ],
        answered_by=answer.answered_by,
    )


def prompt_context(
    memloci: Memloci, client: Client, task: str, max_chars: int | None = None
) -> ContextOut:
    """The facade's prompt context (no vault entries, secrets redacted); it logs itself."""
    require(client, "read")
    result = memloci.autofill.prompt_context(
        task, max_chars=max_chars, recipient=Recipient(CHANNEL, client.name, "")
    )
    titles = memloci.clients.mask_secrets([item.memory.title for item in result.items])
    return ContextOut(
        text=result.text,
        items=[
            ContextItemOut(
                n=item.number,
                memory_id=item.memory.id,
                type=_type(item.memory.type),
                title=title,
                text=item.line,
            )
            for item, title in zip(result.items, titles, strict=True)
        ],
    )


# -- what the person did -------------------------------------------------------------------------
def activity(
    memloci: Memloci,
    client: Client,
    since: str | None = None,
    until: str | None = None,
    app: str | None = None,
) -> ActivityOut:
    """Screen sessions and chat (the timeline view) in a range: the last day by default."""
    require(client, "read")
    end = _bound(until, end=True) or utcnow()
    start = _bound(since, end=False) or end - timedelta(days=1)
    view = memloci.timeline(start, end)
    items = [i for i in view.items if not app or app.strip().lower() in i.lane.lower()]
    truncated = view.truncated or len(items) > ACTIVITY_ITEMS
    items = items[-ACTIVITY_ITEMS:]
    labels = memloci.clients.mask_secrets([i.label for i in items])
    seconds = view.per_lane_seconds
    lanes = [lane for lane in view.lanes if not app or app.strip().lower() in lane.lower()]
    shown_ids = list(dict.fromkeys(mid for i in items for mid in i.memory_ids))
    disclose(memloci, client, "activity", [memloci.get(mid) for mid in shown_ids])
    return ActivityOut(
        since=to_iso(start),
        until=to_iso(end),
        by_app=[
            AppTimeOut(app=lane, minutes=round(seconds.get(lane, 0.0) / 60, 1)) for lane in lanes
        ],
        items=[
            ActivityItemOut(
                start=to_iso(i.start),
                end=to_iso(i.end),
                app=i.lane,
                kind="session" if i.kind == "session" else "event",
                label=label,
                memory_id=i.memory_ids[0] if i.memory_ids else None,
            )
            for i, label in zip(items, labels, strict=True)
        ],
        truncated=truncated,
    )


# -- adding --------------------------------------------------------------------------------------
def add_memory(
    memloci: Memloci,
    client: Client,
    text: str,
    type: AddableType = "episodic",
    about: str | None = None,
    when: str | None = None,
) -> AddOut:
    """A new memory from the client, through the agents' checks; never the vault."""
    require(client, "add")
    text = checks.addable(text)
    memory_type = MemoryType(type)
    duplicate = checks.duplicate_of(memloci, text, memory_type)
    if duplicate is not None:
        (title,) = memloci.clients.mask_secrets([duplicate.title])
        return AddOut(status="duplicate", memory_id=duplicate.id, title=title)
    memory = memloci.add(
        text,
        type=memory_type,
        fields=checks.fields_for(memory_type, text, about, _bound(when, end=False)),
        sources=(Source("client", client.name),),
        actor=f"client:{client.name}",
        origin="client",
        reason=f"added by {client.name} over MCP",
        initiator=Initiator.CLIENT,
    )
    return AddOut(status="added", memory_id=memory.id, title=memory.title)


# -- core memory (resources) ---------------------------------------------------------------------
def core_block(memloci: Memloci, client: Client, label: str) -> str:
    """A core memory block's text (empty when the block does not exist yet)."""
    require(client, "read")
    if label not in ("human", "persona"):
        raise InvalidInput(f"There is no core block {label!r}; use human or persona.")
    block = next(
        (m for m in memloci.list(MemoryType.CORE, limit=10) if m.fields.get("label") == label),
        None,
    )
    if block is None:
        return ""
    (value,) = memloci.clients.mask_secrets([str(block.fields.get("value", ""))])
    disclose(memloci, client, f"core memory ({label})", [block])
    return value
