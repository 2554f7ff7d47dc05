"""The local API's bounds in one place (how big, how slow, how many), and its refusals: the
exception routes raise and the one-line JSON every refusal is written as (also by the protocol
layer, before any route runs)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds on every connection and request. The defaults are what `memloci serve` uses;
    tests shrink the times."""

    arrival_seconds: float = 10.0  # a request's line, headers and body, from its first byte
    handler_seconds: float | None = None  # None: the approval timeout plus four minutes
    max_head: int = 16 * 1024  # request line and headers, bytes
    max_headers: int = 100
    max_target: int = 2 * 1024  # path and query, bytes
    max_body: int = 256 * 1024
    max_connections: int = 256  # open sockets; one more is answered 503 and closed
    workers: int = 4  # threads calling the facade (each keeps one database connection)
    queue: int = 32  # calls waiting for a worker before new ones get 503
    linger_seconds: float = 2.0  # after a refusal, how long the rest of the request is drained


BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
)
JSON_TYPE = "application/json; charset=utf-8"


def error_body(message: str) -> bytes:
    """`{"error": "sentence"}`: json.dumps escapes control characters, so it stays one line."""
    return json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")


class ApiError(Exception):
    """A refusal with its status: becomes `{"error": message}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
