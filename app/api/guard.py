"""The local API's gatekeeping: which Host and Origin headers pass, the rate limit, the token.

Binding to 127.0.0.1 keeps other machines out; these checks keep web pages out. A page can make
the browser send requests to 127.0.0.1 (directly, or through a DNS name it rebinds to
127.0.0.1), but it cannot choose the Origin header, and a rebound name shows in the Host
header. So: Host must be the loopback address or `localhost` with our port, and an Origin, when
present, must be an allowed browser extension.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections.abc import Callable, Iterable

LOOPBACK_NAMES = ("127.0.0.1", "localhost")
_EXTENSION_ORIGIN = re.compile(r"^chrome-extension://([a-p]{32})$")


def host_allowed(host: str | None, port: int) -> bool:
    """True for `127.0.0.1:PORT` and `localhost:PORT` (any letter case)."""
    if not host:
        return False
    return host.strip().lower() in {f"{name}:{port}" for name in LOOPBACK_NAMES}


def extension_id(origin: str | None) -> str | None:
    """The extension id of a `chrome-extension://ID` origin, else None."""
    match = _EXTENSION_ORIGIN.match((origin or "").strip())
    return match.group(1) if match else None


def origin_allowed(origin: str | None, extension_ids: Iterable[str]) -> bool:
    """No Origin (a local program: curl, a script) or an allowed extension's origin."""
    if origin is None:
        return True
    ident = extension_id(origin)
    return ident is not None and ident in set(extension_ids)


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header, else None."""
    if not header:
        return None
    scheme, _, given = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    return given.strip()


def token_matches(header: str | None, token: str) -> bool:
    """`Authorization: Bearer TOKEN`, compared in constant time."""
    given = bearer(header)
    if given is None or not token:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


class RateLimiter:
    """A token bucket per client: `per_minute` sustained, bursts up to `burst`."""

    def __init__(
        self,
        per_minute: int,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, min(per_minute, 30)))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 when the request may go ahead, else the seconds to wait before retrying."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
