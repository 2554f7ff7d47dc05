"""The local API server: uvicorn (h11) on 127.0.0.1 in its own thread, serving the Starlette app
of `asgi.py`; route work runs on a small fixed pool of threads.

uvicorn parses HTTP; `protocol.py` adds what it lacks here (a deadline for each request to
arrive, a connection cap, JSON for protocol errors). The event loop only moves bytes: the
synchronous facade is called on `limits.workers` threads, each keeping one database connection,
with at most `limits.queue` calls waiting and a deadline on each answer.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from app.api import guard, routes
from app.api.limits import ApiError, Limits
from app.errors import ConfigError
from app.settings import BROWSER_EXTENSION_ID

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.routing import BaseRoute

    from app.api.protocol import Httpd
    from app.core import Memloci

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # loopback only, never configurable
T = TypeVar("T")


def _listen(port: int) -> socket.socket:
    """The listening socket, bound now so a taken port is one clear error before serving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart after TIME_WAIT
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise ConfigError(
            f"Cannot listen on 127.0.0.1:{port} ({error.strerror or error}); choose "
            "another port with --port or `memloci config set autofill.api_port N`."
        ) from None
    sock.set_inheritable(False)
    return sock


class Extension(Protocol):
    """More served behind the guard (the MCP server): its routes, and what must run while
    the server does (`lifespan`, entered before the first request, left at stop)."""

    def routes(self, api: ApiServer) -> Sequence[BaseRoute]: ...

    def lifespan(self) -> AbstractAsyncContextManager[None]: ...


def _httpd(
    api: ApiServer,
    sock: socket.socket,
    routes: Sequence[BaseRoute],
    extensions: Sequence[Extension],
) -> Httpd:
    from app.api.asgi import build_app
    from app.api.protocol import Httpd

    more = [route for extension in extensions for route in extension.routes(api)]
    lifespan = _lifespan(extensions) if extensions else None
    app = build_app(api, [*routes, *more], lifespan)
    return Httpd(app, api.limits, sock, lifespan=lifespan is not None)


def _lifespan(
    extensions: Sequence[Extension],
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for extension in extensions:
                await stack.enter_async_context(extension.lifespan())
            yield

    return lifespan


class ApiServer:
    """The local API over one open facade. `start()` serves in a thread; `serve_forever()`
    blocks (the CLI) until Ctrl+C or `stop()`; `stop()` ends either within a few seconds."""

    def __init__(
        self,
        memloci: Memloci,
        *,
        port: int | None = None,
        limits: Limits | None = None,
        routes: Sequence[BaseRoute] = (),
        extensions: Sequence[Extension] = (),
    ) -> None:
        """`routes`: more endpoints or transports (an MCP server's Mount), behind the same
        guard as the API's own; `extensions` add routes that need the server (its workers)
        and something running beside it (the MCP session manager)."""
        self.memloci = memloci
        self.limits = limits or Limits()
        settings = memloci.settings.autofill
        wanted = settings.api_port if port is None else port
        memloci.api_token()  # created now, so the first request does not write
        self.limiter = guard.RateLimiter(settings.api_requests_per_minute)
        self.handler_seconds = (
            self.limits.handler_seconds
            if self.limits.handler_seconds is not None
            else settings.approval_timeout_seconds + 240.0
        )
        sock = _listen(wanted)
        self.port = int(sock.getsockname()[1])
        try:
            self._httpd = _httpd(self, sock, routes, extensions)
        except BaseException:
            sock.close()
            raise
        self._pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="memloci-api")
        self._auth = ThreadPoolExecutor(1, thread_name_prefix="memloci-api-token")
        self._slots = threading.BoundedSemaphore(self.limits.workers + self.limits.queue)
        self._thread: threading.Thread | None = None
        self._done = threading.Event()  # set when the server thread has finished

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def extension_ids(self) -> list[str]:
        return list(self.memloci.settings.autofill.extension_ids)

    def authorised(self, header: str | None) -> bool:
        # Read each time: a token rotated by another process must stop working at once.
        return guard.token_matches(header, self.memloci.api_token())

    def identify(self, authorization: str | None, origin: str | None) -> routes.Caller | None:
        """Who is asking, or None without the right token (it reads the database: call it
        through `caller`). The install's token, or a client's own (app/store/clients.py), which
        serves only the MCP endpoint."""
        if not self.authorised(authorization):
            client = self.memloci.clients.identify(guard.bearer(authorization))
            if client is None:
                return None
            return routes.Caller(client.name, origin, client)
        ident = guard.extension_id(origin)
        if ident is None:
            name = "a local program"
        elif ident == BROWSER_EXTENSION_ID:
            name = "Memloci browser extension"
        else:
            name = f"browser extension {ident}"
        return routes.Caller(name, origin)

    async def caller(self, authorization: str | None, origin: str | None) -> routes.Caller | None:
        """`identify` on the token thread, from the event loop. A thread of its own, so
        requests that fail the check never take a worker the real caller needs; at most one
        check per open connection waits for it."""
        return await self._answer(self._submit(self._auth, self.identify, authorization, origin))

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on the workers, from the event loop: 503 when too many wait, 504 past
        the deadline (the thread finishes on its own; its slot is freed only then)."""
        if not self._slots.acquire(blocking=False):
            raise ApiError(503, "Memloci is busy; retry shortly.", {"Retry-After": "1"})
        try:
            future = self._submit(self._pool, work, *args)
        except ApiError:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return await self._answer(future)

    @staticmethod
    def _submit(pool: ThreadPoolExecutor, work: Callable[..., T], *args: Any) -> Future[T]:
        try:
            return pool.submit(work, *args)
        except RuntimeError:  # shut down
            raise ApiError(503, "The local API is stopping.") from None

    async def _answer(self, future: Future[T]) -> T:
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.handler_seconds)
        except TimeoutError:
            raise ApiError(
                504, f"Memloci took longer than {self.handler_seconds:g} s to answer."
            ) from None

    def start(self) -> None:
        """Serve in a thread; returns once the server accepts connections."""
        self._done.clear()
        self._thread = threading.Thread(
            target=self._serve, name="memloci-api-listener", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._httpd.started and not self._done.is_set() and time.monotonic() < deadline:
            time.sleep(0.005)
        log.info("local API listening on %s", self.url)

    def _serve(self) -> None:
        try:
            self._httpd.run()
        except BaseException:
            log.exception("local API: the server failed")
        finally:
            self._done.set()

    def serve_forever(self) -> None:
        """Serve until `stop()` from another thread, or Ctrl+C here (KeyboardInterrupt)."""
        self.start()
        try:
            # An Event, not Thread.join: Ctrl+C interrupting join() can leave the thread
            # marked stopped while it still runs (CPython bpo-45274), and stop() would not wait.
            while not self._done.wait(0.5):
                pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving: requests in flight get two seconds, then the connections are cut."""
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            self._httpd.should_exit = True
            if not self._done.wait(timeout=5):
                log.warning("local API: the server thread did not stop in 5 s")
        self._httpd.socket.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._auth.shutdown(wait=False, cancel_futures=True)
        log.info("local API stopped")


def port_free(port: int) -> bool:
    """Whether 127.0.0.1:`port` can be listened on now (for doctor)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True
