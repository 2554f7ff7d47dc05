"""The MCP server: the official SDK's `MCPServer` with Memloci's tools and core memory blocks,
the same for stdio (`app/mcp/stdio.py`) and Streamable HTTP (`app/mcp/http.py`).

The SDK is async; Memloci's core is not. Every tool hands its work (a function of
`app/mcp/tools.py`) to a `Runner`, which runs it on a worker thread: the local API's bounded
pool over HTTP, a small pool of its own over stdio. Who is asking is settled once per message by
a middleware that asks the transport's `Gate` (the HTTP guard's caller, or the stdio client's
token or approval) and keeps the answer in a context variable for the handler.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST, CallToolResult, ListToolsResult, TextContent, ToolAnnotations
from pydantic import Field

from app import __version__
from app.api.limits import ApiError
from app.errors import MemlociError
from app.mcp import models, tools
from app.store.clients import Client, Permission

if TYPE_CHECKING:
    from app.core import Memloci

log = logging.getLogger(__name__)

T = TypeVar("T")
Context = ServerRequestContext[Any, Any]  # the SDK's own generic, as its middleware types it

INSTRUCTIONS = (
    "Memloci is the person's own memory, kept encrypted on their machine: what they did on "
    "screen, their chats, notes and facts about them. Search it before answering questions "
    "about the person's past, plans, people or preferences, and cite memory ids. Vault "
    "entries show only their caption; their values never leave Memloci."
)
# tool name -> the permission it needs
NEEDS: dict[str, Permission] = {
    "search_memories": "read",
    "get_memory": "read",
    "memory_context": "read",
    "activity": "read",
    "ask_memory": "ask",
    "add_memory": "add",
}
GATED = frozenset({"tools/call", "tools/list", "resources/read", "resources/list"})
CORE_LABELS = ("human", "persona")

_client: contextvars.ContextVar[Client | None] = contextvars.ContextVar(
    "memloci_mcp_client", default=None
)


class Runner(Protocol):
    """Runs blocking work off the event loop and returns its result."""

    def __call__(self, work: Callable[[], T]) -> Awaitable[T]: ...


class Gate(Protocol):
    """Who sent this message (an active client), or an error saying why nobody may."""

    async def client(self, ctx: Context) -> Client: ...


class _Access:
    """Middleware: settles the client once per message and hides tools it may not use."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def __call__(self, ctx: Context, call_next: CallNext) -> HandlerResult:
        if ctx.method not in GATED:
            return await call_next(ctx)
        try:
            client = await self.gate.client(ctx)
        except MemlociError as error:
            if ctx.method == "tools/call":
                text = TextContent(type="text", text=str(error))
                return CallToolResult(content=[text], is_error=True)
            raise MCPError(INVALID_REQUEST, str(error)) from None
        token = _client.set(client)
        try:
            result = await call_next(ctx)
        finally:
            _client.reset(token)
        return _visible(result, client) if ctx.method == "tools/list" else result


def _visible(result: HandlerResult, client: Client) -> HandlerResult:
    """A tool list without the tools this client may not use (a model or its wire dict)."""
    if isinstance(result, ListToolsResult):
        kept = [t for t in result.tools if client.may(NEEDS.get(t.name, "read"))]
        return result.model_copy(update={"tools": kept})
    if isinstance(result, dict) and isinstance(result.get("tools"), list):
        tools = [t for t in result["tools"] if client.may(NEEDS.get(str(t.get("name")), "read"))]
        return {**result, "tools": tools}
    return result


def _caller() -> Client:
    client = _client.get()
    if client is None:  # only reachable if a handler ran outside the middleware
        raise ToolError("Memloci could not tell which program is asking.")
    return client


async def _call(run: Runner, work: Callable[[], T], *, resource: bool = False) -> T:
    """`work` on a worker thread; Memloci's own refusals become the tool's error text."""
    try:
        return await run(work)
    except (MemlociError, ApiError) as error:
        raise (ResourceError if resource else ToolError)(str(error)) from None


def build(memloci: Memloci, run: Runner, gate: Gate) -> MCPServer:
    """An MCP server over one open facade."""
    server: MCPServer = MCPServer(
        name="memloci",
        title="Memloci",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="WARNING",
        middleware=[_Access(gate)],
    )
    _add_read_tools(server, memloci, run)
    _add_other_tools(server, memloci, run)
    _add_core_blocks(server, memloci, run)
    return server


_READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
When = "ISO date/time (2024-05-08, 2024-05-08T14:30) or words like 'yesterday', '3 days ago'"
Query = Annotated[str, Field(min_length=1, max_length=2_000, description="what to look for")]
Since = Annotated[str | None, Field(max_length=100, description=f"from when: {When}")]
Until = Annotated[str | None, Field(max_length=100, description=f"until when: {When}")]
Types = Annotated[list[models.TypeName] | None, Field(description="only these memory types")]
App = Annotated[str | None, Field(max_length=200, description="only this application")]
Window = Annotated[str | None, Field(max_length=300, description="only windows titled so")]
MemoryId = Annotated[
    str, Field(min_length=4, max_length=40, description="a memory id (or its first 6+ letters)")
]
Task = Annotated[
    str, Field(min_length=1, max_length=20_000, description="the task or prompt at hand")
]
Size = Annotated[int | None, Field(ge=200, le=20_000, description="the block's size, chars")]
Limit = Annotated[int, Field(ge=1, le=tools.SEARCH_LIMIT, description="how many hits")]


def _add_read_tools(server: MCPServer, memloci: Memloci, run: Runner) -> None:
    async def search_memories(
        query: Query,
        types: Types = None,
        since: Since = None,
        until: Until = None,
        app: App = None,
        window: Window = None,
        limit: Limit = 10,
    ) -> models.SearchOut:
        """Search the person's memories by meaning and words (screen activity can be narrowed
        to an application or window). Vault entries show their caption only."""
        work = functools.partial(
            tools.search, memloci, _caller(), query, types or (), since, until, app, window, limit
        )
        return await _call(run, work)

    async def get_memory(memory_id: MemoryId) -> models.MemoryOut:
        """One memory in full: its fields, where it came from (sources) and its history."""
        return await _call(run, functools.partial(tools.get_memory, memloci, _caller(), memory_id))

    async def memory_context(task: Task, max_chars: Size = None) -> models.ContextOut:
        """A compact, cited block of what the person's memory holds that is relevant to a
        task, to put in front of it (no vault entries, secrets redacted)."""
        work = functools.partial(tools.prompt_context, memloci, _caller(), task, max_chars)
        return await _call(run, work)

    async def activity(
        since: Since = None, until: Until = None, app: App = None
    ) -> models.ActivityOut:
        """What the person did in a time range (the last day by default): screen sessions per
        application and chat messages, with minutes per application."""
        work = functools.partial(tools.activity, memloci, _caller(), since, until, app)
        return await _call(run, work)

    for tool in (search_memories, get_memory, memory_context, activity):
        server.add_tool(tool, annotations=_READ_ONLY)


Question = Annotated[str, Field(min_length=1, max_length=4_000, description="the question")]
Text = Annotated[str, Field(min_length=1, max_length=4_000, description="what to remember")]
Kind = Annotated[
    models.AddableType,
    Field(
        description="episodic: something that happened; semantic: a fact about someone or "
        "something (say who or what in 'about'); procedural: how to do something; resource: "
        "a document or link"
    ),
]
About = Annotated[str | None, Field(max_length=200, description="semantic: who or what it is "
                                    "about; resource: its title")]  # fmt: skip
Happened = Annotated[str | None, Field(max_length=100, description=f"episodic: when; {When}")]


def _add_other_tools(server: MCPServer, memloci: Memloci, run: Runner) -> None:
    async def ask_memory(question: Question) -> models.AskOut:
        """Ask a question answered from the person's memory, with the memories it cites.
        Slower than search_memories (a language model may write the answer)."""
        return await _call(run, functools.partial(tools.ask, memloci, _caller(), question))

    async def add_memory(
        text: Text, type: Kind = "episodic", about: About = None, when: Happened = None
    ) -> models.AddOut:
        """Add a memory for the person (marked as added by this program). Secrets, text that
        reads as instructions, and near-duplicates are refused; the vault is never written."""
        work = functools.partial(tools.add_memory, memloci, _caller(), text, type, about, when)
        return await _call(run, work)

    server.add_tool(ask_memory, annotations=ToolAnnotations(read_only_hint=False))
    server.add_tool(
        add_memory,
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        ),
    )


def _add_core_blocks(server: MCPServer, memloci: Memloci, run: Runner) -> None:
    for label in CORE_LABELS:
        about = "the person" if label == "human" else "how Memloci should behave"
        server.resource(
            f"memloci://core/{label}",
            name=f"core-{label}",
            title=f"Core memory: {label}",
            description=f"The core memory block about {about}, always current.",
            mime_type="text/plain",
        )(_block_reader(memloci, run, label))


def _block_reader(memloci: Memloci, run: Runner, label: str) -> Callable[[], Awaitable[str]]:
    async def read_block() -> str:
        work = functools.partial(tools.core_block, memloci, _caller(), label)
        return await _call(run, work, resource=True)

    return read_block
