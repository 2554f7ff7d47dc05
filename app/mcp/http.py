"""MCP over Streamable HTTP at /mcp on the local API (`memloci serve`, the desktop app): the
SDK's session manager behind the API's guard (loopback, Host and Origin checks, token, rate
limit, arrival deadlines), facade calls on the API's bounded workers.

Only a client's own token opens /mcp (`memloci clients add NAME`); the install's API token
does not, so every disclosure has a client's name. A session is bound to the client that
opened it: another client's token cannot use its session id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, TypeVar

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from app.api.asgi import error_response
from app.api.clients import PERMISSIONS, Client
from app.api.routes import Caller
from app.errors import AccessDenied
from app.mcp.server import Context, build

if TYPE_CHECKING:
    from app.api.server import ApiServer
    from app.core import Memloci

PATH = "/mcp"
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


class _Endpoint:
    """/mcp: refuses the install's token, binds the session to the client, then hands the
    request to the SDK's session manager."""

    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        caller = _caller(scope)
        if caller is None or caller.client is None:
            await error_response(403, NEEDS_CLIENT)(scope, receive, send)
            return
        client = caller.client
        scopes = [p for p in PERMISSIONS if p in client.permissions]
        token = AccessToken(token=client.id, client_id=client.id, scopes=scopes)
        scope["user"] = AuthenticatedUser(token)  # the SDK ties each session to its opener
        await self.manager.handle_request(scope, receive, send)


class McpOverHttp:
    """An `app.api.server.Extension`: the MCP server at /mcp of an `ApiServer`."""

    def __init__(self, memloci: Memloci) -> None:
        self.memloci = memloci
        self._manager: StreamableHTTPSessionManager | None = None

    def routes(self, api: ApiServer) -> Sequence[BaseRoute]:
        def run(work: Callable[[], T]) -> Awaitable[T]:
            return api.run(work)

        server = build(self.memloci, run, _Gate())
        loopback = [f"127.0.0.1:{api.port}", f"localhost:{api.port}"]
        server.streamable_http_app(  # builds the session manager; its routes are ours
            streamable_http_path=PATH,
            max_request_body_size=api.limits.max_body,
            transport_security=TransportSecuritySettings(
                enable_dns_rebinding_protection=True,
                allowed_hosts=loopback,
                allowed_origins=[],  # the guard refuses web pages before this
            ),
            host="127.0.0.1",
        )
        self._manager = server.session_manager
        return [Route(PATH, endpoint=_Endpoint(self._manager), methods=["GET", "POST", "DELETE"])]

    def lifespan(self) -> AbstractAsyncContextManager[None]:
        assert self._manager is not None, "routes() comes first"
        return self._manager.run()
