"""Per-client access (issue 19): each MCP client has its own token (shown once, kept hashed),
name and permissions; revoking stops it at once; a program without a token waits for the
person's approval; the CLI twin (`memloci clients`)."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from app.cli import main
from app.errors import InvalidInput, NotFound
from app.store.clients import TOKEN_PREFIX, parse_permissions


def test_a_token_is_shown_once_and_kept_only_as_a_hash(memloci, home) -> None:
    made = memloci.clients.add("Claude Desktop", ["read", "ask"])
    assert made.token.startswith(TOKEN_PREFIX) and len(made.token) > 40
    assert memloci.clients.identify(made.token) == made.client
    assert made.client.may("read") and made.client.may("ask") and not made.client.may("add")
    memloci.close()
    # The database file is encrypted; read it through the facade's own store, raw.
    from app.core import Memloci

    with Memloci.open(home) as again:
        rows = again._parts.database.query("SELECT * FROM api_clients")
    dump = json.dumps(rows)
    assert made.token not in dump
    assert hashlib.sha256(made.token.encode()).hexdigest() in dump
    with pytest.raises(sqlite3.DatabaseError):  # and the file itself is not plain SQLite
        sqlite3.connect(home / "data" / "memloci.db").execute("SELECT 1 FROM api_clients")


def test_wrong_revoked_and_other_tokens_identify_nobody(memloci) -> None:
    first = memloci.clients.add("Cursor")
    second = memloci.clients.add("VS Code", ["read"])
    assert memloci.clients.identify(second.token).name == "VS Code"
    for wrong in (None, "", "mlc_c_nope", first.token[:-1], memloci.api_token(), "Bearer x"):
        assert memloci.clients.identify(wrong) is None
    gone = memloci.clients.revoke("cursor")  # by name, any case
    assert gone.status == "revoked" and not gone.may("read")
    assert memloci.clients.identify(first.token) is None
    assert memloci.clients.identify(second.token) is not None
    assert [c.name for c in memloci.clients.all()] == ["VS Code"]
    assert {c.name for c in memloci.clients.all(include_gone=True)} == {"Cursor", "VS Code"}
    again = memloci.clients.add("Cursor")  # the name is free again, with a new token
    assert again.token != first.token and memloci.clients.identify(first.token) is None


def test_names_and_permissions_are_checked(memloci) -> None:
    memloci.clients.add("Zed")
    with pytest.raises(InvalidInput, match="already"):
        memloci.clients.add("  zed ")
    for bad in ("", "   ", "x" * 61, "bell\x07"):
        with pytest.raises(InvalidInput):
            memloci.clients.add(bad)
    with pytest.raises(InvalidInput, match="Unknown permission 'write'"):
        parse_permissions(["read,write"])
    assert parse_permissions(["READ, add", "ask"]) == {"read", "add", "ask"}
    changed = memloci.clients.allow("Zed", ["add"])
    assert changed.permissions == {"add"} and not changed.may("read")
    with pytest.raises(NotFound):
        memloci.clients.revoke("nobody")


def test_a_program_without_a_token_waits_for_approval(memloci) -> None:
    launcher = "/opt/Claude/claude"
    assert memloci.clients.launched("Claude", launcher) is None
    request = memloci.clients.request("Claude", launcher)
    assert request.status == "pending" and memloci.clients.requests() == [request]
    assert memloci.clients.request("Claude", launcher).id == request.id  # the same, not two
    with pytest.raises(InvalidInput, match="already uses the name"):
        memloci.clients.request("claude", "/usr/bin/other")  # another program, same name
    assert memloci.clients.launched("Claude", launcher) is None  # not before approval
    approved = memloci.clients.decide(request.id, ["read"])
    assert approved.status == "active" and approved.permissions == {"read"}
    assert memloci.clients.launched("claude", launcher) == approved
    assert memloci.clients.launched("Claude", "/usr/bin/other") is None
    with pytest.raises(NotFound):
        memloci.clients.decide(request.id, None)  # answered already
    denied = memloci.clients.decide(memloci.clients.request("Other", "/bin/x").id, None)
    assert denied.status == "denied" and memloci.clients.launched("Other", "/bin/x") is None


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_the_cli_adds_lists_allows_and_revokes(memloci, capsys: pytest.CaptureFixture[str]) -> None:
    memloci.close()  # the store exists; the CLI opens it itself
    code, out, err = run_cli(capsys, "clients", "add", "Claude Desktop", "-p", "read,add")
    assert code == 0 and "may: read, add" in out and "shown only now" in err
    token = out.split("Token: ", 1)[1].split()[0]
    code, out, _ = run_cli(capsys, "clients", "list", "--json")
    listed = json.loads(out)
    assert [c["name"] for c in listed] == ["Claude Desktop"] and token not in out
    assert listed[0]["permissions"] == ["read", "add"] and listed[0]["token"] is True
    code, out, _ = run_cli(capsys, "clients", "allow", "claude desktop", "-p", "ask")
    assert code == 0 and "may now: ask" in out
    code, out, _ = run_cli(capsys, "clients", "list")
    assert "Claude Desktop" in out and "never" in out
    code, out, _ = run_cli(capsys, "clients", "revoke", "Claude Desktop")
    assert code == 0 and "no longer has access" in out
    code, out, err = run_cli(capsys, "clients", "revoke", "Claude Desktop")
    assert code == 3 and "no client" in err
    code, _, err = run_cli(capsys, "clients", "add", "X", "-p", "everything")
    assert code == 2 and "Unknown permission" in err


def test_the_cli_approves_and_denies_waiting_programs(
    memloci, capsys: pytest.CaptureFixture[str]
) -> None:
    memloci.clients.request("Cursor", "/usr/bin/cursor")
    memloci.clients.request("Zed", "/usr/bin/zed")
    memloci.close()
    code, out, _ = run_cli(capsys, "clients", "approve", "cursor", "-p", "read")
    assert code == 0 and "Cursor may now: read" in out
    code, out, _ = run_cli(capsys, "clients", "deny", "Zed")
    assert code == 0 and "Zed was denied" in out
    code, _, err = run_cli(capsys, "clients", "deny", "Zed")
    assert code == 3 and "waiting" in err
