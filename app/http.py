"""The one HTTP client Memloci uses (httpx), with the settings every caller should share.

Model servers, embedding endpoints, local server discovery and model downloads all build their
`httpx.Client` here. Requests to this machine never go through a proxy from the environment
(a proxy would see memory text meant for a local server); other hosts honour HTTP(S)_PROXY and
NO_PROXY, as people behind a company proxy expect. Nothing is sent at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app import __version__

if TYPE_CHECKING:
    import httpx

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def user_agent() -> str:

    return f"Memloci/{__version__}"


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def client(
    *,
    base_url: str = "",
    timeout_s: float = 30.0,
    connect_s: float = 10.0,
    headers: dict[str, str] | None = None,
    follow_redirects: bool = False,
    for_url: str = "",
) -> httpx.Client:
    """A client for one server (`base_url`) or for the host of `for_url`."""
    import httpx

    target = base_url or for_url
    return httpx.Client(
        base_url=base_url,
        headers={"User-Agent": user_agent(), **(headers or {})},
        timeout=httpx.Timeout(timeout_s, connect=min(connect_s, timeout_s)),
        follow_redirects=follow_redirects,
        trust_env=not (target and is_loopback(target)),
    )
