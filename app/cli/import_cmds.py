"""`memloci import-chat`: chat history in, one episodic memory per message."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.memory_cmds import json_option


class Progress:
    """Progress on stderr: a live line on a terminal, a line every few seconds otherwise."""

    def __init__(self, label: str, *, every_s: float = 2.0) -> None:
        self.label = label
        self.every_s = every_s
        self._last = 0.0
        self._tty = sys.stderr.isatty()
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        final = done >= total
        if not final and now - self._last < (0.2 if self._tty else self.every_s):
            return
        self._last = now
        percent = 100 * done // max(total, 1)
        line = f"{self.label}: {done:,}/{total:,} ({percent}%)"
        if self._tty:
            click.echo("\r" + line, err=True, nl=final)
        else:
            click.echo(line, err=True)
        self._shown = True


@click.command(name="import-chat")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--no-agents",
    is_flag=True,
    help="Only store the messages; do not queue them for the memory agents.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "chatgpt"]),
    help="The file's format (default: detected; a ChatGPT export is conversations.json).",
)
@click.option(
    "--no-index",
    is_flag=True,
    help="Do not wait for the semantic index; it catches up in the background later.",
)
@json_option
@pass_session
def import_chat(
    session: Any, file: str, no_agents: bool, fmt: str | None, no_index: bool, as_json: bool
) -> None:
    """Import chat history from FILE: JSON Lines, one message per line, or a ChatGPT export.

    \b
    JSON Lines:
      {"id": "m1", "conversation": "c1", "speaker": "Ana", "text": "...",
       "timestamp": "2023-05-08T13:56:00Z", "attachments": [{"caption": "..."}]}

    Each message becomes an episodic memory (searchable at once) whose source is the
    message id; re-importing the same ids adds nothing. The whole file is checked before
    anything is stored: a bad line stops the import with FILE:LINE and what is wrong.
    """
    memloci = session.open(create=True)
    result = memloci.import_chat(
        file, format=fmt, agents=not no_agents, progress=Progress("Storing messages")
    )
    embedded = 0
    if result.imported and not no_index:
        try:
            embedded = memloci.index_sync(progress=Progress("Indexing for search by meaning"))
        except KeyboardInterrupt:
            click.echo(
                f"\nImported {result.imported:,} messages (searchable by their words now). "
                "Indexing them by meaning was interrupted; it continues in the background, or "
                "run `memloci embedder sync`.",
                err=True,
            )
            raise SystemExit(130) from None
    if as_json:
        render.emit_json({**result.to_dict(), "embedded": embedded})
        return
    parts = [f"Imported {result.imported:,} of {result.messages:,} messages"]
    if result.skipped:
        parts.append(f"{result.skipped:,} were already imported")
    if result.queued:
        parts.append(f"{result.queued:,} queued for the memory agents")
    click.echo("; ".join(parts) + ".")


COMMANDS = [import_chat]
