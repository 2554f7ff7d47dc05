"""The local API as one ASGI app (Starlette): the guard in front of every route, the routes of
`routes.py`, and one-line JSON for every answer that is not a success.

More routes or transports (the MCP server) are added with `extra_routes` and pass the same
guard. Route work runs on the server's bounded thread pool (`ApiServer.run`), never on the event
loop: the facade is synchronous and keeps one database connection per thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import guard, routes
from app.api.limits import BASE_HEADERS, JSON_TYPE, ApiError, error_body
from app.errors import InvalidInput, MemlociError, ModelUnavailable, NotFound, StoreBusy

if TYPE_CHECKING:
    from app.api.server import ApiServer

log = logging.getLogger("app.api.server")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
CLIENT_TOKEN_HELP = (
    "This is an MCP client's token; it serves /mcp only (the /v1 endpoints take the API token)."
)
TOKEN_HELP = (
    "Missing or wrong token: send 'Authorization: Bearer TOKEN' (see `memloci serve --show-token`)."
)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(payload, status_code=status, headers=headers, media_type=JSON_TYPE)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(error_body(message), status_code=status, headers=headers, media_type=JSON_TYPE)


def status_for(error: MemlociError) -> int:
    if isinstance(error, ModelUnavailable | StoreBusy):
        return 503
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, InvalidInput):
        return 400
    return 500


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    return f"{where}: {first.get('msg', 'invalid value')}."


def _one(headers: Headers, name: str) -> str | None:
    values = headers.getlist(name)
    if len(values) > 1:  # which one counts is where smuggling starts: refuse and hang up
        raise ApiError(400, f"Send one {name.title()} header.", {"Connection": "close"})
    return values[0] if values else None


class Guard:
    """Every HTTP request passes here before any route. Order: the request's shape (version,
    header count, target length, 501), Host and Origin (403), then the token (401), and only
    then the caller's rate limit (429), so refused requests cannot spend the real caller's
    budget; they have a bucket of their own. Adds the no-store, nosniff and CORS headers to
    every answer and logs method, path and status (never bodies or tokens)."""

    def __init__(self, app: ASGIApp, api: ApiServer) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origins = headers.getlist("origin")
        extra = list(BASE_HEADERS)
        if len(origins) == 1 and origins[0] and self._allowed(origins[0]):
            extra += [("Access-Control-Allow-Origin", origins[0]), ("Vary", "Origin")]
        raw_extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra]
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *raw_extra]}
            await send(message)

        try:
            try:
                answer = await self._check(scope, headers)
            except ApiError as error:
                answer = error_response(error.status, str(error), error.headers)
            except MemlociError as error:
                answer = error_response(status_for(error), str(error))
            if answer is None:
                await self.app(scope, receive, send_with_headers)
            else:
                await answer(scope, receive, send_with_headers)
        except asyncio.CancelledError:
            # uvicorn cancels what is still running once its grace time after stop() is over.
            # This task is the request itself, so it ends here, answered, rather than as an
            # "Exception in ASGI application" with a plain-text 500.
            if status == 0:
                await error_response(503, "The local API is stopping.")(
                    scope, receive, send_with_headers
                )
        finally:
            log.info("local API %s %s -> %s", scope["method"], scope["path"], status)

    def _allowed(self, origin: str) -> bool:
        return guard.origin_allowed(origin, self.api.extension_ids())

    async def _check(self, scope: Scope, headers: Headers) -> Response | None:
        """None when the request may go on to its route, else the refusal."""
        api, limits = self.api, self.api.limits
        close = {"Connection": "close"}
        if scope["http_version"] not in ("1.0", "1.1"):
            return error_response(505, "Only HTTP/1.1 (and 1.0) is served.", close)
        if len(scope["headers"]) > limits.max_headers:
            return error_response(431, f"Send at most {limits.max_headers} headers.", close)
        if len(scope["raw_path"]) + len(scope["query_string"]) > limits.max_target:
            return error_response(414, "The request line is too long.", close)
        if not guard.host_allowed(_one(headers, "host"), api.port):
            raise ApiError(403, f"Use http://127.0.0.1:{api.port}/ (this Host is refused).")
        origin = _one(headers, "origin")
        if not guard.origin_allowed(origin, api.extension_ids()):
            raise ApiError(403, "Requests from web pages are refused; use the Memloci extension.")
        method = scope["method"]
        if method not in KNOWN_METHODS:
            return error_response(501, "This method is not served; use GET or POST.", close)
        if method == "OPTIONS":
            self._take(f"preflight:{origin or 'local'}")
            return self._preflight(origin)
        caller = await api.caller(_one(headers, "authorization"), origin)
        if caller is None:
            self._take(f"refused:{origin or 'local'}")
            raise ApiError(401, TOKEN_HELP, {"WWW-Authenticate": 'Bearer realm="memloci"'})
        self._take(f"client:{caller.client.id}" if caller.client else origin or "local")
        scope.setdefault("state", {})["caller"] = caller
        return None

    def _take(self, key: str) -> None:
        wait = self.api.limiter.take(key)
        if wait > 0:
            raise ApiError(
                429,
                "Too many requests; slow down and retry shortly.",
                {"Retry-After": str(max(1, round(wait)))},
            )

    def _preflight(self, origin: str | None) -> Response:
        headers = {}
        if origin is not None:  # allowed, or _check would have refused it
            headers = {
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Authorization, Content-Type",
                "Access-Control-Max-Age": "600",
                "Access-Control-Allow-Private-Network": "true",
            }
        return Response(status_code=204, headers=headers)


async def _read_body(request: Request, model: type[routes.Body], max_body: int) -> Any:
    """The body as `model`: JSON, at most `max_body` bytes (refused before reading when the
    declared length is over), one object."""
    headers = request.headers
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(400, "Send the body as JSON (Content-Type: application/json).")
    declared = headers.get("content-length")
    if declared is None and "chunked" not in (headers.get("transfer-encoding") or "").lower():
        raise ApiError(400, "The request needs a Content-Length header.")
    too_big = ApiError(413, f"The body is limited to {max_body // 1024} KiB.")
    if declared is not None and int(declared) > max_body:  # h11 has checked it is a number
        raise too_big
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_body:
            raise too_big
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # ValueError: bad syntax, or an integer too long for Python; RecursionError: nesting
        raise ApiError(400, f"The body is not valid JSON ({error.__class__.__name__}).") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(400, _first_error(error)) from None


def endpoint(
    api: ApiServer, model: type[routes.Body] | None, handler: routes.Handler
) -> Callable[[Request], Any]:
    """An async Starlette endpoint around one synchronous handler of `routes.py`."""

    async def answer(request: Request) -> Response:
        caller: routes.Caller = request.scope["state"]["caller"]
        if caller.client is not None:
            return error_response(403, CLIENT_TOKEN_HELP)
        try:
            body = None if model is None else await _read_body(request, model, api.limits.max_body)
            result = await api.run(handler, api.memloci, body, caller)
        except ApiError as error:
            return error_response(error.status, str(error), error.headers)
        except MemlociError as error:
            return error_response(status_for(error), str(error))
        except ClientDisconnect:
            return error_response(400, "The request ended before its body did.")
        except Exception:
            log.exception("local API: %s %s failed", request.method, request.url.path)
            return error_response(500, "Memloci failed inside; the details are in its log.")
        return json_response(200, result)

    return answer


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (no such route, wrong method) in our words."""
    assert isinstance(error, HTTPException)
    path = request.url.path
    if error.status_code == 404:
        return error_response(404, f"There is no endpoint {path}; see /v1/status.")
    if error.status_code == 405:
        allowed = (error.headers or {}).get("Allow", "")
        return error_response(405, f"{path} takes {allowed} requests.", {"Allow": allowed})
    return error_response(error.status_code, str(error.detail), error.headers)


async def _server_error(request: Request, error: Exception) -> Response:
    log.error("local API: %s %s failed", request.method, request.url.path, exc_info=error)
    return error_response(500, "Memloci failed inside; the details are in its log.")


def build_app(
    api: ApiServer,
    extra_routes: Sequence[BaseRoute] = (),
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    """The local API's one ASGI app; `extra_routes` (e.g. a Mount) sit behind the same guard;
    `lifespan` runs around serving (uvicorn's lifespan is on only when there is one)."""
    table = [
        Route(path, endpoint(api, model, handler), methods=[method])
        for path, (method, model, handler) in routes.ROUTES.items()
    ]
    app = Starlette(
        routes=[*table, *extra_routes],
        middleware=[Middleware(Guard, api=api)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # a redirect would be an answer without JSON
    return app
