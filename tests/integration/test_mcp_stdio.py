"""`memloci mcp` over stdio, launched the way desktop assistants launch it: the command, args
and env of a Claude Desktop configuration, driven by the SDK's own stdio client. Every tool is
called; standard output carries only the protocol even when code inside prints; a program
without a token waits for the person's approval and is known by its launcher afterwards."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, MCPError, StdioServerParameters

from tests.conftest import PASSPHRASE
from tests.unit.mcp_helpers import ALL_TOOLS, SECRETS, result_json, seed

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def claude_desktop_config(token: str) -> dict[str, Any]:
    """What docs/mcp-api.md tells people to put in claude_desktop_config.json (the passphrase
    variable stands in for the keyring, which a test machine has not)."""
    return {
        "mcpServers": {
            "memloci": {
                "command": "memloci",
                "args": ["mcp"],
                "env": {"MEMLOCI_CLIENT_TOKEN": token, "MEMLOCI_PASSPHRASE": PASSPHRASE},
            }
        }
    }


def launch_env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    """The assistant's own environment (no MEMLOCI_ variables) plus the config's `env`; the
    virtual environment's bin is on PATH, as an installed `memloci` would be."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMLOCI_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO)  # this checkout, not the editable install's
    env["MEMLOCI_HOME"] = str(home)
    env.update(extra)
    return env


@pytest.fixture
def store(memloci) -> dict[str, str]:
    ids = seed(memloci)
    memloci.close()
    return ids


def test_claude_desktop_config_launches_memloci_mcp_and_every_tool_answers(
    home: Path, store: dict[str, str]
) -> None:
    from app.core import Memloci

    with Memloci.open(home) as memloci:
        made = memloci.clients.add("Claude Desktop", ["read", "ask", "add"])
    server = claude_desktop_config(made.token)["mcpServers"]["memloci"]
    command = shutil.which(server["command"], path=launch_env(home, {})["PATH"])
    assert command, "the memloci console script is on PATH"
    params = StdioServerParameters(
        command=command, args=server["args"], env=launch_env(home, server["env"])
    )
    texts: list[str] = []

    async def script() -> dict[str, Any]:
        async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
            found: dict[str, Any] = {"tools": {t.name for t in (await client.list_tools()).tools}}
            for key, name, arguments in (
                ("search", "search_memories", {"query": "pelican survey north shore"}),
                ("get", "get_memory", {"memory_id": store["screen"]}),
                ("ask", "ask_memory", {"question": "Where did I plan the Atlas launch?"}),
                ("context", "memory_context", {"task": "Write to Ana about the pelican survey"}),
                ("activity", "activity", {"since": "yesterday", "app": "writer"}),
                ("add", "add_memory", {"text": "Booked the Porto train for Friday"}),
                ("secret", "search_memories", {"query": "Marta mailbox password"}),
            ):
                result = await client.call_tool(name, arguments)
                texts.append(result.content[0].text)
                found[key] = result_json(result)
            block = await client.read_resource("memloci://core/human")
            found["human"] = block.contents[0].text
            return found

    found = asyncio.run(script())
    assert found["tools"] == ALL_TOOLS
    assert store["screen"] in [h["id"] for h in found["search"]["hits"]]
    assert found["get"]["fields"]["actor"] == "LibreOffice Writer"
    assert store["library"] in [c["memory_id"] for c in found["ask"]["citations"]]
    assert found["context"]["items"]
    assert [a["app"] for a in found["activity"]["by_app"]] == ["LibreOffice Writer"]
    assert found["add"]["status"] == "added" and "Ana Silva" in found["human"]
    assert not any(secret in text for text in texts for secret in SECRETS)
    with Memloci.open(home) as memloci:
        log = memloci.autofill.disclosures(limit=100)
        assert {(d.channel, d.recipient) for d in log} == {("mcp", "Claude Desktop")}
        assert memloci.get(found["add"]["memory_id"]).origin == "client"


NOISY = """
import os, sys
import app.core, app.mcp.tools as tools
real_open, real_search = app.core.Memloci.open, tools.search
def noisy_open(*args, **kwargs):
    print("stray print while opening")
    os.write(1, b"stray write to fd 1 while opening\\n")
    return real_open(*args, **kwargs)
def noisy_search(*args, **kwargs):
    print("stray print in a tool")
    os.write(1, b"stray write to fd 1 in a tool\\n")
    return real_search(*args, **kwargs)
app.core.Memloci.open, tools.search = noisy_open, noisy_search
from app.cli import main
main(["mcp"])
"""


def rpc(ident: int | None, method: str, params: dict[str, Any] | None = None) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if ident is not None:
        message["id"] = ident
    if params is not None:
        message["params"] = params
    return (json.dumps(message) + "\n").encode()


def test_standard_output_carries_only_the_protocol(home: Path, store: dict[str, str]) -> None:
    from app.core import Memloci

    with Memloci.open(home) as memloci:
        token = memloci.clients.add("Raw", ["read"]).token
    process = subprocess.Popen(
        [sys.executable, "-c", NOISY],
        env=launch_env(home, {"MEMLOCI_CLIENT_TOKEN": token, "MEMLOCI_PASSPHRASE": PASSPHRASE}),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    init = {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    }
    search = {"name": "search_memories", "arguments": {"query": "pelican"}}
    messages = (
        rpc(1, "initialize", init)
        + rpc(None, "notifications/initialized")
        + rpc(2, "tools/call", search)
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(messages)
    process.stdin.flush()
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if b'"id":2' in line.replace(b" ", b""):
            break
    process.stdin.close()  # the client goes away: the server ends
    process.stdin = None
    out, err = process.communicate(timeout=60)
    lines += out.splitlines()
    assert process.returncode == 0, err.decode()[-2000:]
    replies = [json.loads(line) for line in lines if line.strip()]  # every line is JSON-RPC
    assert all(r.get("jsonrpc") == "2.0" for r in replies)
    call = next(r for r in replies if r.get("id") == 2)
    assert not call["result"].get("isError") and call["result"]["structuredContent"]["hits"]
    for noise in (b"stray print while opening", b"stray write to fd 1 in a tool"):
        assert noise in err  # it went to standard error instead


def test_a_program_without_a_token_waits_for_approval_then_is_remembered(
    home: Path, store: dict[str, str]
) -> None:
    from app.core import Memloci

    with Memloci.open(home) as memloci:
        memloci.save_settings(memloci.settings.with_value("autofill.approval_timeout_seconds", 60))
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "app", "mcp", "--name", "Notebook"],
        env=launch_env(home, {"MEMLOCI_PASSPHRASE": PASSPHRASE}),
    )
    approvals: list[str] = []

    def person() -> None:
        """The desktop app's part: sees the request and approves reading only."""
        with Memloci.open(home) as memloci:
            for _ in range(240):
                waiting = memloci.clients.requests()
                if waiting:
                    approvals.append(waiting[0].name)
                    memloci.clients.decide(waiting[0].id, ["read"])
                    return
                time.sleep(0.25)

    async def call(query: str) -> Any:
        async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            return names, await client.call_tool("search_memories", {"query": query})

    helper = threading.Thread(target=person)
    helper.start()
    names, first = asyncio.run(call("pelican"))
    helper.join(timeout=70)
    assert approvals == ["Notebook"]
    assert names == {"search_memories", "get_memory", "memory_context", "activity"}
    assert result_json(first)["hits"]
    _, second = asyncio.run(call("Atlas launch"))  # no request this time: known by its launcher
    assert result_json(second)["hits"]
    with Memloci.open(home) as memloci:
        (client,) = memloci.clients.all()
        assert client.name == "Notebook" and client.launcher == os.path.realpath(sys.executable)
        assert memloci.clients.requests() == []
        memloci.clients.revoke("Notebook")
        memloci.save_settings(memloci.settings.with_value("autofill.approval_timeout_seconds", 5))
    with pytest.raises(BaseExceptionGroup) as raised:
        asyncio.run(call("pelican"))  # revoked: asks again (listing tools), nobody answers
    (refusal,) = innermost(raised.value)
    assert isinstance(refusal, MCPError) and "has no access to Memloci yet" in str(refusal)


def innermost(error: BaseException) -> list[BaseException]:
    """The errors inside (nested) exception groups (the SDK client's task groups)."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in innermost(inner)]
    return [error]
