"""MCP over Streamable HTTP at /mcp on the local API (`memloci serve`, the desktop app): the
SDK's session manager behind the API's guard (loopback, Host and Origin checks, token, rate
limit, arrival deadlines), facade calls on the API's bounded workers.

Only a client's own token opens /mcp (`memloci clients add NAME`); the install's API token
does not, so every disclosure has a client's name. A session is bound to the client that
opened it: another client's token cannot use its session id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import TYPE_CHECKING, TypeVar

from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from app.api.asgi import error_response
from app.api.routes import Caller
from app.errors import AccessDenied
from app.store.clients import PERMISSIONS, Client

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from app.api.server import ApiServer
    from app.core import Memloci
    from app.mcp.server import Context

log = logging.getLogger(__name__)

PATH = "/mcp"
READY_SECONDS = 60.0  # how long a first request waits for the SDK to load
T = TypeVar("T")
NEEDS_CLIENT = (
    "MCP needs a client token of its own: run `memloci clients add NAME` (or add one in "
    "Settings → Privacy) and send it as 'Authorization: Bearer TOKEN'."
)


def _caller(scope: Scope) -> Caller | None:
    state = scope.get("state") or {}
    caller = state.get("caller")
    return caller if isinstance(caller, Caller) else None


class _Gate:
    """The client the guard found for this HTTP request (checked again on every request, so
    a revoked token stops at once)."""

    async def client(self, ctx: Context) -> Client:
        request = ctx.request
        caller = _caller(request.scope) if isinstance(request, Request) else None
        if caller is None or caller.client is None:
            raise AccessDenied(NEEDS_CLIENT)
        return caller.client


class _Asgi:
    """A plain ASGI app for Starlette's Route (a bound method would be taken for a
    request-response endpoint)."""

    def __init__(self, owner: McpOverHttp) -> None:
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.owner.handle(scope, receive, send)


def _manager(memloci: Memloci, api: ApiServer) -> StreamableHTTPSessionManager:
    """The SDK's session manager over Memloci's server (imports the SDK: call off the loop)."""
    from mcp.server.transport_security import TransportSecuritySettings

    from app.mcp.server import build  # the MCP SDK: loaded in the background once serving

    def run(work: Callable[[], T]) -> Awaitable[T]:
        return api.run(work)

    server = build(memloci, run, _Gate())
    loopback = [f"127.0.0.1:{api.port}", f"localhost:{api.port}"]
    server.streamable_http_app(  # builds the session manager; the route is ours
        streamable_http_path=PATH,
        max_request_body_size=api.limits.max_body,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=loopback,
            allowed_origins=[],  # the guard refuses web pages before this
        ),
        host="127.0.0.1",
    )
    return server.session_manager


class McpOverHttp:
    """An `app.api.server.Extension`: the MCP server at /mcp of an `ApiServer`. The SDK loads
    in the background once the server runs, so neither the API's start nor the desktop app's
    window waits for it; a first /mcp request waits until it is ready."""

    def __init__(self, memloci: Memloci) -> None:
        self.memloci = memloci
        self._api: ApiServer | None = None
        self._manager: StreamableHTTPSessionManager | None = None
        self._ready: asyncio.Event | None = None
        self._failure = ""

    def routes(self, api: ApiServer) -> Sequence[BaseRoute]:
        self._api = api
        return [Route(PATH, endpoint=_Asgi(self), methods=["GET", "POST", "DELETE"])]

    def lifespan(self) -> AbstractAsyncContextManager[None]:
        return self._running()

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        self._ready = asyncio.Event()
        task = asyncio.create_task(self._serve())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _serve(self) -> None:
        assert self._api is not None and self._ready is not None, "routes() comes first"
        try:
            manager = await asyncio.to_thread(_manager, self.memloci, self._api)
        except Exception as error:
            log.exception("MCP: the server could not be built")
            self._failure = f"MCP is not available ({error.__class__.__name__}; see the log)."
            self._ready.set()
            return
        async with manager.run():
            self._manager = manager
            self._ready.set()
            await asyncio.Event().wait()  # until the API stops (cancelled)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """/mcp: refuses the install's token, binds the session to the client, then hands the
        request to the SDK's session manager."""
        caller = _caller(scope)
        if caller is None or caller.client is None:
            await error_response(403, NEEDS_CLIENT)(scope, receive, send)
            return
        manager = await self._wait()
        if manager is None:
            busy = self._failure or "MCP is still starting; retry shortly."
            await error_response(503, busy, {"Retry-After": "2"})(scope, receive, send)
            return
        from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
        from mcp.server.auth.provider import AccessToken

        client = caller.client
        scopes: list[str] = [p for p in PERMISSIONS if p in client.permissions]
        token = AccessToken(token=client.id, client_id=client.id, scopes=scopes)
        scope["user"] = AuthenticatedUser(token)  # the SDK ties each session to its opener
        await manager.handle_request(scope, receive, send)

    async def _wait(self) -> StreamableHTTPSessionManager | None:
        if self._manager is None and self._ready is not None:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), READY_SECONDS)
        return self._manager
