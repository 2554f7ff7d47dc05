"""`memloci export`: the encrypted backup (the way to move a whole store), or the memories as
files other tools read: Markdown notes (an Obsidian vault), JSON Lines, CSV per type."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.admin_cmds import _backup_passphrase
from app.cli.memory_cmds import TYPE_CHOICE, bounds, json_option
from app.errors import InvalidInput, PassphraseRequired
from app.security.hardening import secret_env

WHERE = {"markdown": "folder", "csv": "folder", "json": "file"}


@click.command()
@click.argument("path", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["backup", "markdown", "json", "csv"], case_sensitive=False),
    default="backup",
    show_default=True,
    help="backup: encrypted, everything (a file); markdown: a note per memory (a folder); "
    "json: JSON Lines, full records (a file); csv: a file per type (a folder).",
)
@click.option("--type", "-t", "types", type=TYPE_CHOICE, multiple=True, help="Only this type.")
@click.option("--since", metavar="WHEN", help="Only memories from this moment on.")
@click.option("--until", metavar="WHEN", help="Only memories before this moment.")
@click.option(
    "--secrets",
    is_flag=True,
    help="Include vault secrets in clear (asks for the passphrase again).",
)
@json_option
@pass_session
def export(
    session: Any,
    path: str,
    fmt: str,
    types: tuple[str, ...],
    since: str | None,
    until: str | None,
    secrets: bool,
    as_json: bool,
) -> None:
    """Export your memories to PATH.

    \b
    Examples:
      memloci export backup.mlb                          encrypted backup of everything
      memloci export ~/Vault/Memloci --format markdown   a note per memory (Obsidian)
      memloci export memories.jsonl --format json        full records, one per line
      memloci export sheets/ --format csv -t semantic    a spreadsheet per type
      memloci export notes/ --format markdown --since "last month"

    Open formats are plain text: anyone who can read the files can read your memories. Vault
    secrets are left out unless you add --secrets and give your passphrase.
    """
    fmt = fmt.lower()
    memloci = session.open()
    if fmt == "backup":
        if types or since or until or secrets:
            raise InvalidInput(
                "The encrypted backup holds everything; --type, --since, "
                "--until and --secrets go with --format markdown, json or csv."
            )
        if os.path.isdir(path):
            raise InvalidInput(f"{path} is a folder; give a file name for the backup.")
        result = memloci.export_backup(path, _backup_passphrase(memloci, confirm=True))
        if as_json:
            render.emit_json(result)
        else:
            chats = result.get("conversations", 0)
            held = f" and {chats} conversations with Memloci" if chats else ""
            click.echo(
                f"Backed up {result['memories']} memories{held} to {path} "
                f"({result['bytes'] / 1e6:.2f} MB, encrypted)."
            )
        return
    start, end = bounds(since, until)
    passphrase = _secrets_passphrase() if secrets else None
    result = memloci.data.export_memories(
        path, fmt, types=types, since=start, until=end, passphrase=passphrase
    )
    if as_json:
        render.emit_json(result.to_dict())
        return
    by_type = ", ".join(f"{t} {n:,}" for t, n in result.by_type.items())
    where = WHERE[fmt]
    click.echo(
        f"Exported {result.memories:,} memories"
        + (f" ({by_type})" if by_type else "")
        + f" to the {where} {path} as {fmt}"
        + (f", {result.files:,} files" if where == "folder" else "")
        + "."
    )
    click.echo(
        "Vault secrets are in clear in these files."
        if result.secrets
        else "Vault secrets were left out (--secrets includes them)."
    )


def _secrets_passphrase() -> str:
    """The passphrase again: typed at a terminal, or MEMLOCI_PASSPHRASE for scripts."""
    if sys.stdin.isatty():
        return str(click.prompt("Passphrase (to export vault secrets)", hide_input=True, err=True))
    given = secret_env("MEMLOCI_PASSPHRASE")
    if not given:
        raise PassphraseRequired(
            "Exporting secrets needs the passphrase: type it or set MEMLOCI_PASSPHRASE."
        )
    return given


COMMANDS = [export]
