"""MCP over stdio: what desktop assistants launch (`memloci mcp`).

Standard output carries the protocol and nothing else. From the start of the command the
process's file descriptor 1 points at standard error, so a stray print from any library (or
from C) cannot corrupt the stream; the wire is handed back to the SDK only while it serves
(it diverts fd 1 to stderr again itself). Logs go to the log file.

Who is asking: the token in `MEMLOCI_CLIENT_TOKEN` (made by `memloci clients add`), or, with
none, a request the person approves in the desktop app the first time; an approved program is
then known by its name and the program that launched `memloci mcp`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from app.errors import AccessDenied
from app.mcp.server import Context, Runner, build
from app.store.clients import Client

if TYPE_CHECKING:
    from app.core import Memloci

log = logging.getLogger(__name__)

T = TypeVar("T")
TOKEN_ENV = "MEMLOCI_CLIENT_TOKEN"
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "fish", "env", "npx", "node", "uv", "uvx"})
POLL_SECONDS = 0.5


@contextmanager
def protocol_stdout() -> Iterator[None]:
    """While inside: fd 1 (and `sys.stdout`) write to stderr; the protocol's fd is kept aside
    and put back on exit, for the SDK to claim."""
    sys.stdout.flush()
    wire = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(wire, 1)
        os.close(wire)


class PoolRunner:
    """Runs facade calls on a few threads of its own (each keeps one database connection)."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="memloci-mcp")

    def __call__(self, work: Callable[[], T]) -> Awaitable[T]:
        return asyncio.wrap_future(self._pool.submit(work))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def launcher(pid: int | None = None) -> str:
    """The program that started `memloci mcp` (its executable), looking past shells and
    wrappers such as `sh -c` or `npx`; "" where /proc cannot tell."""
    pid = os.getppid() if pid is None else pid
    for _ in range(4):
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return ""
        if Path(exe).name.split(".")[0] not in SHELLS or int(stat[1]) <= 1:
            return exe
        pid = int(stat[1])  # its parent
    return exe


class StdioGate:
    """Settles the one client of this process; revocation is seen at the next message."""

    def __init__(
        self,
        memloci: Memloci,
        run: Runner,
        token: str | None,
        name: str | None,
        wait_seconds: float,
    ) -> None:
        self.memloci = memloci
        self.run = run
        self.token = token
        self.name = name
        self.wait_seconds = wait_seconds
        self.launcher = launcher()
        self._approved: str | None = None  # the client id, once approved
        self._lock = asyncio.Lock()

    async def client(self, ctx: Context) -> Client:
        if self.token:
            return await self.run(self._by_token)
        async with self._lock:  # one request for approval, however many messages wait
            return await self._by_approval(self._name(ctx))

    def _by_token(self) -> Client:
        client = self.memloci.clients.identify(self.token)
        if client is None:
            raise AccessDenied(
                f"The token in {TOKEN_ENV} is not a Memloci client's (revoked, or mistyped); "
                "see `memloci clients list`."
            )
        return client

    def _name(self, ctx: Context) -> str:
        if self.name:
            return self.name
        params = ctx.session.client_params
        if params is not None and params.client_info.name.strip():
            return params.client_info.name.strip()[:60]
        return Path(self.launcher).name or "a program over stdio"

    async def _by_approval(self, name: str) -> Client:
        if self._approved is not None:
            current = await self.run(lambda: self.memloci.clients.status(self._approved or ""))
            if current.status == "active":
                return current
            self._approved = None
            raise AccessDenied(f"{name} no longer has access to Memloci (revoked).")
        if not self.launcher:
            raise AccessDenied(self._help(name, "cannot tell which program started it"))
        found = await self.run(lambda: self.memloci.clients.launched(name, self.launcher))
        if found is not None:
            self._approved = found.id
            return found
        request = await self.run(lambda: self.memloci.clients.request(name, self.launcher))
        log.info("MCP: asking the person to approve a client over stdio")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        while loop.time() < deadline:
            current = await self.run(lambda: self.memloci.clients.status(request.id))
            if current.status == "active":
                self._approved = current.id
                return current
            if current.status != "pending":
                raise AccessDenied(f"You denied {name} access to Memloci.")
            await asyncio.sleep(POLL_SECONDS)
        raise AccessDenied(self._help(name, f"nobody approved it within {self.wait_seconds:g} s"))

    def _help(self, name: str, why: str) -> str:
        return (
            f"{name} has no access to Memloci yet ({why}). Approve it in Memloci's desktop "
            f"app (Settings → Privacy), or give it a token: `memloci clients add {name!r}`, "
            f"then set {TOKEN_ENV} in its configuration."
        )


def serve(memloci: Memloci, token: str | None, name: str | None) -> None:
    """Serve MCP on stdin/stdout until the client closes them (or SIGTERM/Ctrl+C)."""
    import anyio

    runner = PoolRunner()
    wait = float(memloci.settings.autofill.approval_timeout_seconds)
    server = build(memloci, runner, StdioGate(memloci, runner, token, name, wait))
    try:
        anyio.run(server.run_stdio_async)
    finally:
        runner.close()
