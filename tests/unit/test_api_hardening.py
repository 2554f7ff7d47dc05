"""The local API under hostile clients, over real sockets: slowloris (many slow sockets while a
valid request must be answered at once), deadlines for a request to arrive and to be answered,
protocol errors answered as one-line JSON, duplicate headers, the connection cap, and refused
requests that must not spend the real caller's rate-limit budget."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.api.guard import RateLimiter
from app.api.server import ApiServer
from tests.unit.test_api import FORM, request
from tests.unit.test_autofill_service import PASSPORT


def serve(memloci: Any, **limits: Any) -> ApiServer:
    """A started server; `limits` shrink the bounds (times) so a test need not wait long."""
    memloci.add("Name: Ana Silva\nEmail: ana@example.pt", type="core", fields={"label": "human"})
    if limits:
        from app.api.limits import Limits

        server = ApiServer(memloci, port=0, limits=Limits(**limits))
    else:
        server = ApiServer(memloci, port=0)
    server.start()
    return server


@pytest.fixture
def api(memloci) -> Iterator[ApiServer]:
    server = serve(memloci)
    yield server
    server.stop()


def timed_status(server: ApiServer, timeout: float = 5.0) -> tuple[int, float]:
    """A valid GET /v1/status: (status, seconds it took)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        headers = {
            "Host": f"127.0.0.1:{server.port}",
            "Authorization": f"Bearer {server.memloci.api_token()}",
        }
        conn.request("GET", "/v1/status", headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


class SlowClients:
    """`count` sockets that each send a request line and Host, then one more header line every
    `every` seconds, never finishing (slowloris). With `body` (the token) they finish their
    headers and trickle a body instead."""

    def __init__(self, port: int, count: int, every: float, *, body: str = "") -> None:
        self.port, self.count, self.every, self.body = port, count, every, body
        self.sockets: list[socket.socket] = []
        self.cut: set[int] = set()  # sockets the server closed or refused
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            head = f"POST /v1/search HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            if self.body:  # the token: without it the answer is 401 before any body is read
                head += f"Authorization: Bearer {self.body}\r\n"
                head += "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
            sock.sendall(head.encode())
            self.sockets.append(sock)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        n = 0
        while not self._stop.wait(self.every):
            n += 1
            for i, sock in enumerate(self.sockets):
                if i in self.cut:
                    continue
                try:
                    sock.sendall(b" " if self.body else f"X-Slow-{n}: 1\r\n".encode())
                except OSError:
                    self.cut.add(i)

    def answers(self, wait: float) -> list[bytes]:
        """What each socket has been sent back, reading until it closes or `wait` passes."""
        deadline = time.monotonic() + wait
        out = []
        for sock in self.sockets:
            data = b""
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                while chunk := sock.recv(65536):
                    data += chunk
            except OSError:
                pass
            out.append(data)
        return out

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def exchange(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes; read the answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may refuse before it has read everything
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            raise AssertionError(f"no close within {timeout} s; got {received[:300]!r}") from None
        except ConnectionResetError:
            pass
    return received


def parse(raw: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One HTTP/1.1 answer whose body must be one line of JSON `{"error": ...}`."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, f"not an HTTP answer: {raw[:200]!r}"
    lines = head.decode("latin-1").split("\r\n")
    version, status, _ = lines[0].split(" ", 2)
    assert version in ("HTTP/1.0", "HTTP/1.1"), lines[0]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    assert len(body) == length, (length, body)
    assert headers["content-type"].startswith("application/json"), headers
    assert b"\n" not in body, body
    parsed = json.loads(body)
    assert list(parsed) == ["error"] and parsed["error"], parsed
    return int(status), headers, parsed


# -- slowloris ----------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [8, 50])
def test_slow_sockets_do_not_hold_the_api(api: ApiServer, count: int) -> None:
    # The stdlib server had 4 worker threads and a queue of 32: 4 slow sockets held it (a
    # valid request waited until they gave up) and 50 made it answer 503.
    with SlowClients(api.port, count, every=1.0) as slow:
        time.sleep(2.5)  # each slow socket has sent two more header lines
        results = [timed_status(api) for _ in range(5)]
        cut = set(slow.cut)
    assert [status for status, _ in results] == [200] * 5
    assert max(seconds for _, seconds in results) < 2.0, results  # was: no answer in 5 s, or 503
    assert not cut, "no slow socket was refused: they were all within their deadline"


def test_a_request_must_arrive_whole_within_the_deadline(memloci) -> None:
    server = serve(memloci, arrival_seconds=1.5)
    try:
        with (
            SlowClients(server.port, 3, every=0.3) as heads,
            SlowClients(server.port, 3, every=0.3, body=memloci.api_token()) as bodies,
        ):
            idle = socket.create_connection(("127.0.0.1", server.port), timeout=4)
            answers = heads.answers(wait=4) + bodies.answers(wait=2)
            idle_answer = idle.recv(100)  # never sent anything: closed without a word
            idle.close()
            assert timed_status(server)[0] == 200  # and the server is fine
    finally:
        server.stop()
    for answer in answers:  # each within 4 s, not held as long as it trickles
        status, headers, body = parse(answer)
        assert status == 408 and "1.5 s" in body["error"], body
        assert headers["connection"] == "close"
    assert idle_answer == b""


# -- protocol errors ----------------------------------------------------------------------------
HOST = b"Host: 127.0.0.1:{port}\r\n"
GET = b"GET /v1/status HTTP/1.1\r\n" + HOST
POST = b"POST /v1/search HTTP/1.1\r\n" + HOST
CASES = [
    # (what, raw request, status)
    ("unknown method", b"BREW /v1/status HTTP/1.1\r\n" + HOST + b"\r\n", 501),
    ("HTTP/0.9", b"GET /v1/status\r\n", 400),
    ("TLS handshake", bytes.fromhex("160301020001000001fc0303") + b"\x00" * 40, 400),
    ("extra word", b"GET /v1/status HTTP/1.1 please\r\n" + HOST + b"\r\n", 400),
    ("double space", b"GET  /v1/status HTTP/1.1\r\n" + HOST + b"\r\n", 400),
    ("control bytes", b"\x00\x01\x02\x03\r\n\r\n", 400),
    ("blank request line", b"\r\n\r\n", 400),
    ("header without colon", GET + b"oops\r\n\r\n", 400),
    ("no Host in 1.1", b"GET /v1/status HTTP/1.1\r\n\r\n", 400),
    ("bad Content-Length", POST + b"Content-Length: x\r\n\r\n", 400),
    ("two Content-Lengths", POST + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n", 400),
    ("gzip coding", POST + b"Transfer-Encoding: gzip\r\n\r\n", 501),
    ("HTTP/2.0 line", b"GET /v1/status HTTP/2.0\r\n" + HOST + b"\r\n", 505),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    ("long target", b"GET /" + b"a" * 4_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414),
    ("huge target", b"GET /" + b"a" * 40_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414),
    ("huge header", GET + b"X-Big: " + b"a" * 200_000 + b"\r\n\r\n", 431),
    ("150 headers", GET + b"X-N: 1\r\n" * 150 + b"\r\n", 431),
]


@pytest.mark.parametrize(("what", "raw", "status"), CASES, ids=[c[0] for c in CASES])
def test_protocol_errors_are_one_line_json(api: ApiServer, what: str, raw: bytes, status: int):
    started = time.monotonic()
    answer = exchange(api.port, raw.replace(b"{port}", str(api.port).encode()))
    assert time.monotonic() - started < 5, "refused at once, not at the 10 s deadline"
    got, headers, body = parse(answer)
    assert got == status, (what, body)
    assert headers["cache-control"] == "no-store"
    assert timed_status(api)[0] == 200


@pytest.mark.parametrize(
    "extra",
    [
        "Host: 127.0.0.1:{port}",
        "Host: evil.example",
        "Origin: https://evil.example",
        "Authorization: Bearer mlc_not-the-token",
    ],
)
def test_duplicate_headers_that_decide_access_are_refused(api: ApiServer, extra: str) -> None:
    token = api.memloci.api_token()
    head = (
        f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{api.port}\r\n"
        f"Authorization: Bearer {token}\r\n{extra.format(port=api.port)}\r\n\r\n"
    )
    if extra.startswith("Origin"):  # one allowed origin, then a page's
        head = head.replace("\r\n\r\n", f"\r\nOrigin: chrome-extension://{'a' * 32}\r\n\r\n")
    status, _, body = parse(exchange(api.port, head.encode() + b"", timeout=5))
    assert status == 400 and "Send one" in body["error"]


# -- rate limit ---------------------------------------------------------------------------------
def test_refused_requests_do_not_spend_the_callers_budget(memloci) -> None:
    memloci.save_settings(memloci.settings.with_value("autofill.api_requests_per_minute", 5))
    server = serve(memloci)
    try:
        refused = [request(server, "GET", "/v1/status", token="mlc_guess")[0] for _ in range(35)]
        real = [request(server, "GET", "/v1/status")[0] for _ in range(5)]
        over = request(server, "GET", "/v1/status")
    finally:
        server.stop()
    # Guessers are slowed down in a bucket of their own...
    assert refused[:5] == [401] * 5 and set(refused[5:]) == {429}
    # ...and the caller with the token keeps its whole budget, then is limited as before.
    assert real == [200] * 5
    assert over[0] == 429 and "slow down" in over[1]["error"]


def test_a_flood_of_wrong_tokens_does_not_take_the_callers_workers(memloci) -> None:
    # Checking a token reads the database, on a thread of its own: requests that fail it
    # never hold the worker (here: the only one, and no queue) the real caller needs.
    server = serve(memloci, workers=1, queue=0)
    server.limiter = RateLimiter(10_000, burst=1_000_000)  # this is about workers, not 429
    stop = threading.Event()

    def flood() -> None:
        while not stop.is_set():
            request(server, "GET", "/v1/status", token="mlc_guess")

    guessers = [threading.Thread(target=flood) for _ in range(12)]
    try:
        for thread in guessers:
            thread.start()
        time.sleep(0.3)
        real = [request(server, "GET", "/v1/status")[0] for _ in range(20)]
    finally:
        stop.set()
        for thread in guessers:
            thread.join(timeout=10)
        server.stop()
    assert real == [200] * 20


# -- answers that take too long, a full pool, too many connections --------------------------------
class SlowApprover:
    """A person who takes their time with the approval dialog (the `Approver` protocol)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.released = threading.Event()

    def approve(self, request: Any) -> Any:
        from app.autofill.approval import Decision

        self.released.wait(self.seconds)
        return Decision.deny("too slow")


def add_passport(memloci: Any) -> None:
    memloci.add(
        None,
        type="vault",
        fields={"caption": "Passport number", "secret_value": PASSPORT, "sensitivity": "medium"},
    )


def test_an_answer_past_its_deadline_is_504(memloci) -> None:
    add_passport(memloci)
    approver = SlowApprover(10)
    memloci.autofill.set_approver(approver)
    server = serve(memloci, handler_seconds=0.5)
    try:
        started = time.monotonic()
        status, body, _ = request(server, "POST", "/v1/autofill", FORM)
        took = time.monotonic() - started
    finally:
        approver.released.set()
        server.stop()
    assert status == 504 and "0.5 s" in body["error"]
    assert took < 3


def test_a_full_pool_answers_503_at_once(memloci) -> None:
    add_passport(memloci)
    approver = SlowApprover(10)
    memloci.autofill.set_approver(approver)
    server = serve(memloci, workers=1, queue=0)
    try:
        slow = threading.Thread(target=request, args=(server, "POST", "/v1/autofill", FORM))
        slow.start()
        time.sleep(0.5)  # the one worker now waits on the approval
        started = time.monotonic()
        status, body, headers = request(server, "GET", "/v1/status")
        took = time.monotonic() - started
        approver.released.set()
        slow.join(timeout=5)
        after = request(server, "GET", "/v1/status")[0]
    finally:
        approver.released.set()
        server.stop()
    assert status == 503 and "busy" in body["error"] and headers["retry-after"] == "1"
    assert took < 2 and after == 200


def test_connections_over_the_cap_get_503_json(memloci) -> None:
    server = serve(memloci, max_connections=5)
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(5)]
    try:
        time.sleep(0.2)
        status, _, body = parse(exchange(server.port, b""))
        for sock in held:
            sock.close()
        time.sleep(0.2)
        after = timed_status(server)[0]
    finally:
        server.stop()
    assert status == 503 and "too many open connections" in body["error"]
    assert after == 200


# -- bodies and connections that are fine -------------------------------------------------------
def test_declared_oversized_body_is_refused_before_it_is_sent(api: ApiServer) -> None:
    head = (
        f"POST /v1/search HTTP/1.1\r\nHost: 127.0.0.1:{api.port}\r\n"
        f"Authorization: Bearer {api.memloci.api_token()}\r\nContent-Type: application/json\r\n"
        "Content-Length: 10000000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    answer = exchange(api.port, head.encode())  # no "100 Continue": the refusal comes first
    status, _, body = parse(answer)
    assert status == 413 and "256 KiB" in body["error"]


def chunked(port: int, token: str, body: bytes, size: int = 4096) -> bytes:
    head = (
        f"POST /v1/search HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_chunked_bodies_are_read_within_the_limit(api: ApiServer) -> None:
    token = api.memloci.api_token()
    answer = exchange(api.port, chunked(api.port, token, json.dumps({"query": "Ana"}).encode()))
    assert answer.startswith(b"HTTP/1.1 200 ")
    big = json.dumps({"query": "Ana", "pad": "x" * 300_000}).encode()
    status, _, body = parse(exchange(api.port, chunked(api.port, token, big)))
    assert status == 413 and "256 KiB" in body["error"]


def test_keep_alive_and_pipelined_requests(memloci) -> None:
    server = serve(memloci, arrival_seconds=1.0)
    token = server.memloci.api_token()
    one = (
        f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        headers = {"Authorization": f"Bearer {token}"}
        statuses, sockets = [], set()
        for _ in range(3):  # one connection, used again after a pause past the arrival deadline
            conn.request("GET", "/v1/status", headers=headers)
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
            sockets.add(id(conn.sock))
            time.sleep(0.6)
        conn.close()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(one * 3)
            time.sleep(0.5)
            received = sock.recv(65536)
    finally:
        server.stop()
    assert statuses == [200] * 3 and len(sockets) == 1
    assert received.count(b"HTTP/1.1 200 ") == 3


def test_stopping_is_quick_with_slow_sockets_and_work_in_flight(memloci) -> None:
    add_passport(memloci)
    approver = SlowApprover(10)
    memloci.autofill.set_approver(approver)
    server = serve(memloci)
    answers: list[Any] = []
    inflight = threading.Thread(
        target=lambda: answers.append(request(server, "POST", "/v1/autofill", FORM))
    )
    with SlowClients(server.port, 20, every=0.5):
        inflight.start()
        time.sleep(0.5)
        started = time.monotonic()
        server.stop()
        took = time.monotonic() - started
    approver.released.set()
    inflight.join(timeout=5)
    assert took < 4, took
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)
    assert answers and answers[0][0] == 503 and "stopping" in answers[0][1]["error"]


def test_ctrl_c_in_serve_forever_stops_the_server_before_returning(memloci) -> None:
    import os
    import signal

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    server = ApiServer(memloci, port=0)
    previous = signal.signal(signal.SIGINT, interrupt)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    try:
        timer.start()
        with SlowClients(server.port, 5, every=0.3), pytest.raises(KeyboardInterrupt):
            server.serve_forever()  # `memloci serve` in the terminal, then Ctrl+C
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    # Gone for real, not only marked so: the memory store is closed right after this.
    assert not [t for t in threading.enumerate() if t.name == "memloci-api-listener"]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)


def test_more_routes_mount_behind_the_same_guard(memloci) -> None:
    # How the MCP server will join: its transport is mounted, the guard stays in front.
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"caller": request.state.caller.name})

    memloci.add("Name: Ana Silva", type="core", fields={"label": "human"})
    server = ApiServer(memloci, port=0, routes=[Mount("/extra", routes=[Route("/me", whoami)])])
    server.start()
    try:
        assert request(server, "GET", "/extra/me", token=None)[0] == 401
        host = {"Host": "evil.example"}
        assert request(server, "GET", "/extra/me", headers=host)[0] == 403
        status, body, headers = request(server, "GET", "/extra/me")
        assert status == 200 and body == {"caller": "a local program"}
        assert headers["cache-control"] == "no-store"
        status, body, _ = request(server, "GET", "/extra/nothing")
        assert status == 404 and "no endpoint" in body["error"]
    finally:
        server.stop()
