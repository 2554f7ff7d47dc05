"""uvicorn, adapted: its h11 protocol with the local API's connection rules added, and its server
over a socket bound beforehand, run in a thread of its own.

uvicorn bounds the size of a request's head (h11's buffer limit) and the idle time between
requests, but not the time a request may take to arrive: a client sending one header line every
few seconds would hold its connection forever. This subclass gives each request a deadline from
its first byte until it has arrived whole (line, headers and body); caps open connections; and
answers protocol errors (bad request lines, HTTP/0.9, oversized heads, unknown transfer codings)
as the same one-line JSON the routes use, instead of uvicorn's plain text. After such a refusal
the rest of the request is read and dropped for a moment, so the client sees the answer rather
than a reset connection.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.api.limits import BASE_HEADERS, JSON_TYPE, Limits, error_body

log = logging.getLogger(__name__)

NOT_HTTP = (
    "The request line is not HTTP/1.1 ('GET /v1/status HTTP/1.1'); other protocols are refused."
)
# h11's message (its start) -> what the person is told; h11's own text can quote the bad bytes.
_H11_MESSAGES = (
    ("illegal request line", NOT_HTTP),
    ("no request line received", NOT_HTTP),
    ("illegal header line", "A header line is not valid HTTP (expected 'Name: value')."),
    ("continuation line", "Folded header lines are refused."),
    ("Found multiple Host", "Send one Host header."),
    ("Missing mandatory Host", "Send a Host header."),
    ("bad Content-Length", "The Content-Length header is not one valid number."),
    ("conflicting Content-Length", "The Content-Length header is not one valid number."),
    ("Only Transfer-Encoding: chunked", "Only Transfer-Encoding: chunked is supported."),
    ("multiple Transfer-Encoding", "Only Transfer-Encoding: chunked is supported."),
)


def raw_response(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A whole HTTP/1.1 error response that closes the connection, for use outside a route."""
    body = error_body(message)
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        f"Content-Type: {JSON_TYPE}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (*BASE_HEADERS, *headers)),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _looks_like_request_line(line: bytes) -> bool:
    """Looser than h11 (which decides): only to refuse HTTP/0.9 and garbage at once, since h11
    waits for the blank line that ends the headers before it looks at the request line."""
    parts = line.rstrip(b"\r").split(b" ")
    return len(parts) == 3 and parts[2].startswith(b"HTTP/")


class _RecordingConnection(h11.Connection):
    """h11's connection, remembering its last protocol error (uvicorn drops it) so the
    refusal can say what was wrong and use h11's status hint (400, 431, 501)."""

    last_error: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as error:
            self.last_error = error
            raise


class GuardedH11Protocol(H11Protocol):
    """One connection. Use with `functools.partial(GuardedH11Protocol, limits=...)` as
    uvicorn's `http` protocol class."""

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: Limits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.conn = _RecordingConnection(h11.SERVER, limits.max_head)
        self.access_log = False  # the guard logs method, path and status; uvicorn would add more
        self._timer: asyncio.TimerHandle | None = None
        self._lingering = False
        self._dropped = 0

    # -- asyncio.Protocol -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            log.warning("local API: more than %d connections", self.limits.max_connections)
            busy = "Memloci has too many open connections; retry shortly."
            self._refuse(503, busy, (("Retry-After", "1"),))
            return
        self._arm()  # a connection that never sends a request is closed at the deadline too

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            self._dropped += len(data)
            if self._dropped > self.limits.max_head + self.limits.max_body:
                self.transport.close()
            return
        super().data_received(data)
        self._settle()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # -- uvicorn's hooks ------------------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:
        """h11 refused the request: say why in JSON, with h11's status hint."""
        status, message = self._explain(self.conn.last_error)
        self._refuse(status, message)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._settle()

    def shutdown(self) -> None:
        self._disarm()
        if self._lingering:
            self.transport.close()
            return
        try:
            super().shutdown()
        except h11.LocalProtocolError:  # h11 in a state that cannot say "closed": just close
            self.transport.close()

    def _unsupported_upgrade_warning(self) -> None:
        log.debug("local API: an Upgrade header was ignored")

    # -- the arrival deadline -------------------------------------------------------------------
    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self.loop.call_later(self.limits.arrival_seconds, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _settle(self) -> None:
        """Keep the deadline while a request is arriving; drop it once it is whole."""
        state = self.conn.their_state
        if state is h11.IDLE:
            buffered = self.conn.trailing_data[0]
            if not buffered:
                self._disarm()  # between requests: uvicorn's keep-alive timeout applies
                return
            self._arm()
            line, newline, _ = buffered.partition(b"\n")
            if newline and not _looks_like_request_line(line):
                self._refuse(400, NOT_HTTP)
        elif state is h11.SEND_BODY:
            self._arm()
        elif state is not h11.ERROR:
            self._disarm()

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        waiting = cycle is not None and not cycle.response_complete
        if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0] and not waiting:
            self.transport.close()  # nothing was asked: close quietly
        elif (waiting and not cycle.response_started) or self.conn.their_state is h11.IDLE:
            seconds = f"{self.limits.arrival_seconds:g}"
            self._refuse(408, f"The request did not arrive whole within {seconds} s.")
        else:
            self.transport.close()  # answered already; the rest of the request never came

    # -- refusing -------------------------------------------------------------------------------
    def _explain(self, error: h11.RemoteProtocolError | None) -> tuple[int, str]:
        text = str(error or "")
        status = getattr(error, "error_status_hint", 400)
        if self.cycle is not None and not self.cycle.response_complete:
            return 400, "The request body is not valid HTTP/1.1 framing."
        if status == 431:
            if b"\n" not in self.conn.trailing_data[0]:
                return 414, "The request line is too long."
            return 431, f"The request headers are over {self.limits.max_head // 1024} KiB."
        for start, message in _H11_MESSAGES:
            if text.startswith(start):
                return status, message
        return status, "The request is not valid HTTP/1.1."

    def _refuse(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        log.info("local API: refused a request with %d", status)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:
                self.transport.close()
                return
            cycle.disconnected = True  # the route, if it runs on, writes nothing more
            cycle.message_event.set()
        self.transport.write(raw_response(status, message, headers))
        self._linger()

    def _linger(self) -> None:
        """Send FIN, then read and drop what the client still sends for a moment: closing with
        unread data would reset the connection and could destroy the answer on its way."""
        self._disarm()
        self._unset_keepalive_if_required()
        self._lingering = True
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._timer = self.loop.call_later(self.limits.linger_seconds, self.transport.close)


class Httpd(uvicorn.Server):
    """uvicorn's server over `sock` (already listening), with `GuardedH11Protocol` and no
    logging set-up of its own; `run()` it in a thread (signals stay with the caller) and set
    `should_exit` to stop it. `server_address` is the socket's, as on the stdlib's servers."""

    def __init__(
        self, app: Any, limits: Limits, sock: socket.socket, *, lifespan: bool = False
    ) -> None:
        """`lifespan`: run the app's lifespan around serving (the MCP session manager)."""
        self.socket = sock
        super().__init__(
            uvicorn.Config(
                app,
                http=functools.partial(GuardedH11Protocol, limits=limits),  # type: ignore[arg-type]
                ws="none",
                lifespan="on" if lifespan else "off",
                loop="asyncio",
                interface="asgi3",
                log_config=None,
                access_log=False,  # the guard logs method, path and status
                server_header=False,
                proxy_headers=False,  # nobody stands in front of a loopback server
                h11_max_incomplete_event_size=limits.max_head,
                timeout_keep_alive=5,
                timeout_graceful_shutdown=2,
            )
        )

    @property
    def server_address(self) -> tuple[str, int]:
        return self.socket.getsockname()  # type: ignore[no-any-return]

    def run(self, sockets: list[socket.socket] | None = None) -> None:
        super().run(sockets=sockets or [self.socket])

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        if self.server_state.tasks:  # cancelled past the grace time: let them answer 503
            await asyncio.wait(list(self.server_state.tasks), timeout=0.5)
        for connection in list(self.server_state.connections):
            connection.transport.close()
        await asyncio.sleep(0.05)  # the closes are written before the loop ends
