"""The local HTTP API server: stdlib `http.server` on 127.0.0.1, a small pool of worker threads.

Checks run cheapest first: Host (403), Origin (403), rate limit (429), bearer token (401), then
the route, the body (400/413) and the handler. Every error is one line of JSON:
`{"error": "sentence"}`. Requests are logged by path and status only, never their bodies.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from app.api import guard, routes
from app.errors import (
    ConfigError,
    InvalidInput,
    MemlociError,
    ModelUnavailable,
    NotFound,
    StoreBusy,
)
from app.settings import BROWSER_EXTENSION_ID

if TYPE_CHECKING:
    from app.core import Memloci

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # loopback only, never configurable
MAX_BODY = 256 * 1024
WORKERS = 4
QUEUE = 32  # connections waiting beyond the workers before new ones get 503


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def _status_for(error: MemlociError) -> int:
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


class _Handler(BaseHTTPRequestHandler):
    server_version = "Memloci"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    timeout = 15  # seconds a client may take to send its request
    server: _Server

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    def log_message(self, format: str, *args: Any) -> None:
        return  # requests are logged in _handle, by path and status only

    # -- the request ----------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        api = self.server.api
        path = self.path.split("?", 1)[0]
        status = 500
        try:
            caller = self._check(api, method)
            if method == "OPTIONS":
                status = 204
                self._send(204, None, self._cors(preflight=True))
                return
            body, handler = self._route(method, path)
            result = handler(api.memloci, body, caller)
            status = 200
            self._send(200, result, self._cors())
        except ApiError as error:
            status = error.status
            self._send(status, {"error": str(error)}, {**error.headers, **self._cors()})
        except MemlociError as error:
            status = _status_for(error)
            self._send(status, {"error": str(error)}, self._cors())
        except Exception:
            log.exception("local API: %s %s failed", method, path)
            self._send(500, {"error": "Memloci failed inside; the details are in its log."})
        finally:
            log.info("local API %s %s -> %s", method, path, status)

    def _check(self, api: ApiServer, method: str) -> routes.Caller:
        if not guard.host_allowed(self.headers.get("Host"), api.port):
            raise ApiError(403, f"Use http://127.0.0.1:{api.port}/ (this Host is refused).")
        origin = self.headers.get("Origin")
        if not guard.origin_allowed(origin, api.extension_ids()):
            raise ApiError(403, "Requests from web pages are refused; use the Memloci extension.")
        wait = api.limiter.take(origin or "local")
        if wait > 0:
            raise ApiError(
                429,
                "Too many requests; slow down and retry shortly.",
                {"Retry-After": str(max(1, round(wait)))},
            )
        if method == "OPTIONS":
            return routes.Caller("preflight", origin)
        if not api.authorised(self.headers.get("Authorization")):
            raise ApiError(
                401,
                "Missing or wrong token: send 'Authorization: Bearer TOKEN' "
                "(see `memloci serve --show-token`).",
                {"WWW-Authenticate": 'Bearer realm="memloci"'},
            )
        ident = guard.extension_id(origin)
        if ident is None:
            name = "a local program"
        elif ident == BROWSER_EXTENSION_ID:
            name = "Memloci browser extension"
        else:
            name = f"browser extension {ident}"
        return routes.Caller(name, origin)

    def _route(self, method: str, path: str) -> tuple[Any, routes.Handler]:
        route = routes.ROUTES.get(path)
        if route is None:
            raise ApiError(404, f"There is no endpoint {path}; see /v1/status.")
        wanted, model, handler = route
        if method != wanted:
            raise ApiError(405, f"{path} takes {wanted} requests.", {"Allow": wanted})
        if model is None:
            return None, handler
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(400, "Send the body as JSON (Content-Type: application/json).")
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            raise ApiError(400, "The request needs a Content-Length header.") from None
        if length > MAX_BODY or length < 0:
            raise ApiError(413, f"The body is limited to {MAX_BODY // 1024} KiB.")
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            # ValueError: bad syntax, or an integer too long for Python; RecursionError: nesting
            raise ApiError(
                400, f"The body is not valid JSON ({error.__class__.__name__})."
            ) from None
        if not isinstance(data, dict):
            raise ApiError(400, "The body must be a JSON object.")
        try:
            return model.model_validate(data), handler
        except ValidationError as error:
            raise ApiError(400, _first_error(error)) from None

    # -- the response ---------------------------------------------------------------------------
    def _cors(self, preflight: bool = False) -> dict[str, str]:
        origin = self.headers.get("Origin")
        if origin is None or not guard.origin_allowed(origin, self.server.api.extension_ids()):
            return {}
        headers = {"Access-Control-Allow-Origin": str(origin), "Vary": "Origin"}
        if preflight:
            headers.update(
                {
                    "Access-Control-Allow-Methods": "GET, POST",
                    "Access-Control-Allow-Headers": "Authorization, Content-Type",
                    "Access-Control-Max-Age": "600",
                    "Access-Control-Allow-Private-Network": "true",
                }
            )
        return headers

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client went away


class _Server(HTTPServer):
    """An HTTPServer that hands connections to a fixed pool of threads: each thread keeps one
    database connection, so the number of connections stays bounded."""

    def __init__(self, api: ApiServer, port: int) -> None:
        self.api = api
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="memloci-api")
        self._slots = threading.BoundedSemaphore(WORKERS + QUEUE)
        super().__init__((HOST, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            body = b'{"error": "Memloci is busy; retry shortly."}'
            try:
                request.sendall(
                    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
            except OSError:
                pass
            self.shutdown_request(request)
            return
        self._pool.submit(self._work, request, client_address)

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            log.debug("local API connection failed", exc_info=True)
        finally:
            self.shutdown_request(request)
            self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


class ApiServer:
    """The local API over one open facade. `start()` serves in a thread; `serve_forever()`
    blocks (the CLI); `stop()` ends either."""

    def __init__(self, memloci: Memloci, *, port: int | None = None) -> None:
        self.memloci = memloci
        settings = memloci.settings.autofill
        wanted = settings.api_port if port is None else port
        memloci.api_token()  # created now, so the first request does not write
        self.limiter = guard.RateLimiter(settings.api_requests_per_minute)
        try:
            self._httpd = _Server(self, wanted)
        except OSError as error:
            raise ConfigError(
                f"Cannot listen on 127.0.0.1:{wanted} ({error.strerror or error}); choose "
                "another port with --port or `memloci config set autofill.api_port N`."
            ) from None
        self.port = int(self._httpd.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def extension_ids(self) -> list[str]:
        return list(self.memloci.settings.autofill.extension_ids)

    def authorised(self, header: str | None) -> bool:
        # Read each time: a token rotated by another process must stop working at once.
        return guard.token_matches(header, self.memloci.api_token())

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="memloci-api-listener", daemon=True
        )
        self._thread.start()
        log.info("local API listening on %s", self.url)

    def serve_forever(self) -> None:
        log.info("local API listening on %s", self.url)
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving (from another thread than the one in `serve_forever`)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        log.info("local API stopped")


def port_free(port: int) -> bool:
    """Whether 127.0.0.1:`port` can be listened on now (for doctor)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True
