"""`memloci mcp` (the MCP server over stdio) and `memloci clients` (the programs given access:
each with a name, a token of its own and what it may do)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.memory_cmds import json_option
from app.errors import NotFound
from app.security.hardening import secret_env
from app.store.clients import DEFAULT_PERMISSIONS, parse_permissions

PERMISSION_HELP = "read, ask or add (repeat, or a comma list); default: read and ask."


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--name", help="The client's name, when it connects without a token.")
@pass_session
def mcp(session: Any, name: str | None) -> None:
    """Serve Memloci to an AI assistant over MCP on stdin/stdout (what Claude Desktop, Cursor
    and VS Code launch). Standard output carries only the protocol; logs go to the log file.

    \b
    Give the client a token of its own (shown once):
      memloci clients add "Claude Desktop"
    and put it in the assistant's configuration as MEMLOCI_CLIENT_TOKEN.

    Without a token, the desktop app asks you to approve the program the first time it
    connects. The store must unlock without a prompt: `memloci passphrase keyring on`, or
    MEMLOCI_PASSPHRASE in the configuration. Over HTTP, `memloci serve` (and the desktop
    app, with its local API on) serve the same at http://127.0.0.1:48620/mcp.
    """
    from app.mcp import stdio  # the MCP SDK (~1 s): only for `memloci mcp`

    with stdio.protocol_stdout():  # nothing before the SDK takes over may reach the wire
        memloci = session.open()
        logging.getLogger("mcp").setLevel(logging.WARNING)
        token = secret_env(stdio.TOKEN_ENV)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)
    try:
        stdio.serve(memloci, token, name)
    except KeyboardInterrupt:
        pass
    finally:
        with stdio.protocol_stdout():
            session.close()


@click.group()
def clients() -> None:
    """The programs (MCP clients) given access to your memory.

    \b
    memloci clients add "Claude Desktop" [--permission read,ask,add]
    memloci clients list [--all] [--json]
    memloci clients allow "Claude Desktop" --permission read
    memloci clients revoke "Claude Desktop"
    memloci clients approve NAME [--permission ...]   (a program waiting for approval)
    memloci clients deny NAME
    """


def _permissions(values: tuple[str, ...], default: bool = True) -> Any:

    if not values:
        return DEFAULT_PERMISSIONS if default else None
    return parse_permissions(values)


permission_option = click.option(
    "--permission", "-p", "permissions", multiple=True, help=PERMISSION_HELP
)


@clients.command(name="add")
@click.argument("name")
@permission_option
@json_option
@pass_session
def add(session: Any, name: str, permissions: tuple[str, ...], as_json: bool) -> None:
    """Give a program its own token (shown this once; only a hash is kept)."""
    made = session.open().clients.add(name, _permissions(permissions))
    if as_json:
        render.emit_json({**made.client.to_dict(), "token": made.token})
        return
    allowed = ", ".join(made.client.to_dict()["permissions"]) or "nothing"
    click.echo(f"Client {made.client.name!r} may: {allowed}.")
    click.echo(f"Token: {made.token}")
    click.echo(
        "It is shown only now: put it in the program's MCP configuration as "
        "MEMLOCI_CLIENT_TOKEN (stdio) or 'Authorization: Bearer TOKEN' (HTTP, /mcp).",
        err=True,
    )


@clients.command(name="list")
@click.option("--all", "everything", is_flag=True, help="Revoked and denied clients too.")
@json_option
@pass_session
def list_clients(session: Any, everything: bool, as_json: bool) -> None:
    """The programs with access, and those waiting for approval."""
    found = session.open().clients.all(include_gone=everything)
    if as_json:
        render.emit_json([c.to_dict() for c in found])
        return
    if not found:
        click.echo("No client has access. Add one with `memloci clients add NAME`.")
        return
    rows = [
        [
            c.name,
            c.status,
            ", ".join(c.to_dict()["permissions"]) or "-",
            "token" if c.has_token else (c.launcher or "-"),
            render.local(c.last_seen_at) if c.last_seen_at else "never",
        ]
        for c in found
    ]
    render.table(rows, ["NAME", "STATUS", "MAY", "BY", "LAST SEEN"])


@clients.command()
@click.argument("name")
@permission_option
@json_option
@pass_session
def allow(session: Any, name: str, permissions: tuple[str, ...], as_json: bool) -> None:
    """Replace what a client may do (no --permission: nothing at all)."""
    client = session.open().clients.allow(name, _permissions(permissions, default=False) or ())
    _done(client, as_json, "may now: " + (", ".join(client.to_dict()["permissions"]) or "nothing"))


@clients.command()
@click.argument("name")
@json_option
@pass_session
def revoke(session: Any, name: str, as_json: bool) -> None:
    """Take a client's access away; its token stops working at its next request."""
    _done(session.open().clients.revoke(name), as_json, "no longer has access")


@clients.command()
@click.argument("name")
@permission_option
@json_option
@pass_session
def approve(session: Any, name: str, permissions: tuple[str, ...], as_json: bool) -> None:
    """Approve a program waiting for access (it connected without a token)."""
    memloci = session.open()
    client = memloci.clients.decide(_waiting(memloci, name).id, _permissions(permissions))
    _done(client, as_json, "may now: " + ", ".join(client.to_dict()["permissions"]))


@clients.command()
@click.argument("name")
@json_option
@pass_session
def deny(session: Any, name: str, as_json: bool) -> None:
    """Refuse a program waiting for access."""
    memloci = session.open()
    _done(memloci.clients.decide(_waiting(memloci, name).id, None), as_json, "was denied")


def _waiting(memloci: Any, name: str) -> Any:
    wanted = " ".join(name.split()).lower()
    for client in memloci.clients.requests():
        if client.id == name or client.name.lower() == wanted:
            return client

    raise NotFound(f"No program named {name!r} is waiting; see `memloci clients list`.")


def _done(client: Any, as_json: bool, what: str) -> None:
    if as_json:
        render.emit_json(client.to_dict())
    else:
        click.echo(f"{client.name} {what}.")


COMMANDS = [mcp, clients]
