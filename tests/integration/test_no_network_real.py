"""Nothing leaves the machine (issue 13): real Memloci processes, watched by the kernel.

Each process runs under strace (tests/netwatch.py) with HOME, the XDG folders and TMPDIR pointed
at an empty sandbox and with no telemetry opt-out in its environment, so the app must turn them
off itself. It fails on any DNS query or name-service lookup, any connection off the machine,
any local socket the test did not set up (the X server's is fine), and any file written outside
MEMLOCI_HOME except the transient ones listed in ALLOWED_WRITES. Before the fix, onnxruntime's
Microsoft telemetry looked up mobile.events.data.microsoft.com and wrote a device id and an
event queue under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ and a session file in $TMPDIR.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import netwatch
from tests.conftest import PASSPHRASE
from tests.integration.test_retrieval_real import chroma_server  # noqa: F401  (a fixture)
from tests.xdesk import TkWindow, XServer, missing_tools

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(bool(netwatch.strace_missing()), reason=netwatch.strace_missing()),
]

# Variables that turn some library's telemetry or downloads off. The test's own process has
# them (tests/conftest.py); the processes under test must not inherit them.
OPT_OUT_VARIABLES = (
    "ORT_DISABLE_TELEMETRY", "DO_NOT_TRACK", "DISABLE_TELEMETRY", "HF_HUB_DISABLE_TELEMETRY",
    "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY", "OTEL_SDK_DISABLED",
)  # fmt: skip

NOTES = (
    "Met Ana at the library in Porto to plan the Atlas launch",
    "The pelican survey report is due on Friday",
    "Marta sent the Atlas release checklist",
)


@dataclass(frozen=True)
class Sandbox:
    """An empty home for one person: HOME, XDG folders and TMPDIR all inside `root`."""

    root: Path
    logs: Path  # strace records, outside the sandbox

    @property
    def memloci(self) -> Path:
        return self.root / "memloci"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def skeleton(self) -> dict[str, Path]:
        home = self.root / "home"
        return {
            "HOME": home,
            "XDG_CONFIG_HOME": home / ".config",
            "XDG_CACHE_HOME": home / ".cache",
            "XDG_DATA_HOME": home / ".local" / "share",
            "XDG_STATE_HOME": home / ".local" / "state",
            "XDG_RUNTIME_DIR": self.root / "run",
            "TMPDIR": self.tmp,
        }

    def env(self, **extra: str) -> dict[str, str]:
        drop = ("MEMLOCI_", "XDG_", "DBUS_", "WAYLAND_", "DISPLAY", *OPT_OUT_VARIABLES)
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        env.update({name: str(path) for name, path in self.skeleton.items()})
        # PYTHONDONTWRITEBYTECODE: running from a source checkout would write __pycache__ beside
        # the code; an installed or frozen Memloci does not.
        env.update(
            MEMLOCI_HOME=str(self.memloci),
            MEMLOCI_PASSPHRASE=PASSPHRASE,
            PYTHONDONTWRITEBYTECODE="1",
            LANG="C.UTF-8",
            **extra,
        )
        return env

    def leftovers(self) -> list[str]:
        """Everything under the sandbox but outside MEMLOCI_HOME that was not there before."""
        made = {self.root, self.memloci, *self.skeleton.values()}
        made |= {
            p for path in self.skeleton.values() for p in path.parents if self.root in p.parents
        }
        found = []
        for path in sorted(self.root.rglob("*")):
            if path in made or path == self.memloci or self.memloci in path.parents:
                continue
            found.append(str(path))
        return found


# Writes outside MEMLOCI_HOME that are allowed, each with its reason.
def allowed_writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    tmp = str(sandbox.tmp)
    return [
        (r"/dev/(null|tty|pts/\d+)", "the standard streams"),
        (
            r"/proc/self/mem",
            "the process's own memory: the passphrase variables are blanked in the copy of the "
            "environment that /proc/PID/environ shows (app/security/hardening.py); not a file",
        ),
        (
            rf"{tmp}/etilqs_\w+",
            "SQLite's temporary files (Chroma's index): unlinked the moment they are opened, so "
            "they never exist under a name while data is in them",
        ),
        (
            rf"{tmp}/memloci-[0-9a-f]{{16}}|{tmp}/\.\w{{6}}(/s)?",
            "the desktop app's single-instance socket (Qt's QLocalServer binds it in a private "
            "folder, then renames it): named after a hash of the data folder, holds no data, "
            "removed when the app quits",
        ),
    ]


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    box = Sandbox(tmp_path / "sandbox", tmp_path / "trace")
    box.logs.mkdir()
    for path in box.skeleton.values():
        path.mkdir(parents=True, mode=0o700)
    return box


def seed(sandbox: Sandbox) -> None:
    """A store with a few memories, made here with the test's fast key derivation (the keyfile
    records it, so the processes under test unlock it quickly)."""
    from app.core import Memloci

    with Memloci.open(sandbox.memloci) as memloci:
        for text in NOTES:
            memloci.add(text)


def traced(sandbox: Sandbox, name: str, args: list[str], timeout: float = 240, **env: str) -> str:
    return netwatch.run(
        [sys.executable, *args],
        sandbox.logs / f"{name}.log",
        sandbox.env(**env),
        cwd=sandbox.root,
        timeout=timeout,
    )


def verdict(
    sandbox: Sandbox,
    names: list[str],
    local_sockets: tuple[str, ...] = (),
    servers: tuple[tuple[str, int], ...] = (),
) -> list[str]:
    """Every problem in the named records, then anything left in the sandbox."""
    problems = []
    for name in names:
        calls = netwatch.parse(sandbox.logs / f"{name}.log")
        assert calls, f"nothing was recorded for {name}"
        found = netwatch.network_problems(calls, (str(sandbox.root), *local_sockets), servers)
        found += netwatch.write_problems(
            calls, sandbox.root, sandbox.memloci, allowed_writes(sandbox)
        )
        problems += [f"{name}: {p}" for p in dict.fromkeys(found)]
    problems += [f"left outside MEMLOCI_HOME: {p}" for p in sandbox.leftovers()]
    return problems


CONTROL = """
import os, socket, subprocess, sys
try:
    socket.getaddrinfo("memloci-probe.invalid", 443)
except OSError:
    pass
child = "import socket; s = socket.socket(); s.settimeout(0.2); s.connect_ex(('192.0.2.1', 443))"
subprocess.run([sys.executable, "-c", child], check=True)
os.makedirs(os.path.expanduser("~/.cache/probe"))
"""


def test_the_watcher_sees_a_lookup_a_child_connecting_out_and_a_write_outside_home(
    sandbox: Sandbox,
) -> None:
    """The control: what the other tests must never see is seen, in this environment."""
    traced(sandbox, "control", ["-c", CONTROL], timeout=60)
    problems = verdict(sandbox, ["control"])
    joined = "\n".join(problems)
    assert "DNS query" in joined or "name lookup" in joined, joined
    assert "connect to 192.0.2.1 port 443, off this machine" in joined, joined
    assert "mkdir wrote " + str(sandbox.root / "home" / ".cache" / "probe") in joined, joined
    assert "left outside MEMLOCI_HOME: " + str(sandbox.root / "home/.cache/probe") in joined


def test_search_ask_and_a_program_using_app_core_send_nothing_and_write_only_their_home(
    sandbox: Sandbox,
) -> None:
    seed(sandbox)
    out = traced(sandbox, "search", ["-m", "app", "search", "Ana library", "--json"])
    hits = json.loads(out[out.index("{") :])["hits"]
    assert hits and "library" in hits[0]["text"]
    out = traced(sandbox, "ask", ["-m", "app", "ask", "Where did I meet Ana?"])
    assert "library" in out, out  # the bundled model answered from the memory
    program = (
        "from app.core import Memloci\n"
        "with Memloci.open() as m:\n"
        "    print([h.id for h in m.search('pelican survey')])\n"
    )
    out = traced(sandbox, "library", ["-c", program])
    assert out.strip().startswith("['"), out
    problems = verdict(sandbox, ["search", "ask", "library"])
    assert not problems, "\n".join(problems)


MCP_DRIVER = """
import asyncio, json, os, sys
from mcp import Client, StdioServerParameters

params = StdioServerParameters(
    command=sys.executable, args=["-m", "app", "mcp"], env=dict(os.environ)
)
calls = [
    ("search_memories", {"query": "pelican survey"}),
    ("memory_context", {"task": "Plan the Atlas launch with Ana"}),
    ("activity", {"since": "7 days ago"}),
    ("ask_memory", {"question": "Where did I meet Ana?"}),
]

async def main():
    async with Client(params, mode="legacy", read_timeout_seconds=200) as client:
        out = {"tools": sorted(t.name for t in (await client.list_tools()).tools)}
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            assert not result.is_error, result.content
            out[name] = result.structured_content
        print(json.dumps(out))

asyncio.run(main())
"""


def test_memloci_mcp_over_stdio_sends_nothing_and_writes_only_its_home(sandbox: Sandbox) -> None:
    """An AI assistant's MCP client (the SDK's, in the traced process) launches `memloci mcp`
    and calls its tools: neither the SDK nor Memloci reaches out (the SDK pulls in
    OpenTelemetry's API, whose spans go nowhere without an exporter)."""
    from app.core import Memloci

    seed(sandbox)
    with Memloci.open(sandbox.memloci) as memloci:
        token = memloci.clients.add("Claude Desktop", ["read", "ask"]).token
    out = traced(sandbox, "mcp", ["-c", MCP_DRIVER], MEMLOCI_CLIENT_TOKEN=token)
    found = json.loads(out[out.index('{"tools"') :].splitlines()[0])
    assert "add_memory" not in found["tools"] and "search_memories" in found["tools"]
    assert "pelican" in found["search_memories"]["hits"][0]["text"]
    assert "library" in found["ask_memory"]["answer"], found["ask_memory"]
    problems = verdict(sandbox, ["mcp"])
    assert not problems, "\n".join(problems)


@pytest.fixture
def desk() -> Iterator[XServer]:
    server = XServer()
    yield server
    server.stop()


@pytest.mark.skipif(bool(missing_tools()), reason=f"needs {missing_tools()}")
def test_the_desktop_app_and_capture_send_nothing_and_write_only_their_home(
    sandbox: Sandbox, desk: XServer
) -> None:
    seed(sandbox)
    window = TkWindow(desk, "writer", "survey.odt - LibreOffice Writer", NOTES[1], size=20)
    x_socket = f"/tmp/.X11-unix/X{desk.display.lstrip(':')}"
    try:
        out = traced(
            sandbox, "capture", ["-m", "app", "capture", "once", "--json"], DISPLAY=desk.display
        )
        once = json.loads(out[out.index("{") :])
        assert once["activity"] == "capturing" and once["app"] == "LibreOffice Writer", once
        app = netwatch.Traced(
            [sys.executable, "-m", "app", "gui"],
            sandbox.logs / "gui.log",
            sandbox.env(DISPLAY=desk.display, MEMLOCI_STARTUP_PROBE="1"),
            cwd=sandbox.root,
        )
        try:
            warm = app.wait_for("MEMLOCI_WARM", 150)  # the index and the model are loaded
            assert warm, app.output[-3000:]
            time.sleep(5)  # onnxruntime's uploader used to start within seconds
        finally:
            code = app.stop()
        assert code == 0, app.output[-3000:]
    finally:
        window.close()
    problems = verdict(sandbox, ["capture", "gui"], local_sockets=(x_socket,))
    assert not problems, "\n".join(problems)


def test_a_configured_chroma_server_is_the_only_destination(
    sandbox: Sandbox,
    chroma_server: str,  # noqa: F811
) -> None:
    """The HttpClient path: Chroma's own telemetry stays off, only the server named is reached."""
    from urllib.parse import urlsplit

    from app.core import Memloci

    with Memloci.open(sandbox.memloci) as memloci:
        memloci.save_settings(memloci.settings.with_value("retrieval.chroma_url", chroma_server))
        for text in NOTES:
            memloci.add(text)
    out = netwatch.run(
        [sys.executable, "-m", "app", "search", "pelican survey", "--json"],
        sandbox.logs / "server.log",
        sandbox.env(),
        cwd=sandbox.root,
        timeout=240,
        isolate=False,  # it must reach the server on this machine's loopback
    )
    assert "pelican" in json.loads(out[out.index("{") :])["hits"][0]["text"]
    parts = urlsplit(chroma_server)
    calls = netwatch.parse(sandbox.logs / "server.log")
    connects = [c for c in calls if c.name == "connect" and f'"{parts.hostname}"' in c.args]
    assert connects, "the search reached the configured server"
    server = ((parts.hostname or "", parts.port or 0),)
    problems = verdict(sandbox, ["server"], servers=server)
    assert not problems, "\n".join(problems)
