"""`memloci embedder ...`: which model turns memories into vectors, and how far indexing is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.import_cmds import Progress
from app.cli.memory_cmds import json_option
from app.errors import InvalidInput


def _print_status(status: dict[str, Any]) -> None:
    rows = [
        ("embedder", status.get("embedder") or "none (full-text search only)"),
        ("vector index", status.get("vector_index", "-")),
        ("memories", f"{status.get('memories', 0):,}"),
        ("with vectors", f"{status.get('current', 0):,}"),
        ("in the index", f"{status.get('in_index', 0):,}"),
        ("waiting", f"{status.get('pending', 0):,}"),
    ]
    if status.get("embedder_error"):
        rows.append(("problem", status["embedder_error"]))
    for name, value in rows:
        click.echo(f"  {name:<14}{value}")


@click.group()
def embedder() -> None:
    """The model that lets search find memories by meaning."""


@embedder.command(name="show")
@json_option
@pass_session
def embedder_show(session: Any, as_json: bool) -> None:
    """The embedder in use and how many memories it has indexed."""
    status = session.open().search_status()
    if as_json:
        render.emit_json(status)
    else:
        _print_status(status)


@embedder.command(name="use")
@click.argument("kind", type=click.Choice(["minilm", "gguf", "endpoint", "none"]))
@click.argument("target", required=False)
@click.option("--model", "model_name", help="The model name an endpoint should use.")
@click.option(
    "--api-key-env", metavar="NAME", help="Environment variable holding the endpoint's API key."
)
@pass_session
def embedder_use(
    session: Any,
    kind: str,
    target: str | None,
    model_name: str | None,
    api_key_env: str | None,
) -> None:
    """Switch embedder: minilm (bundled, offline), gguf PATH, endpoint URL, or none.

    \b
    Examples:
      memloci embedder use minilm
      memloci embedder use gguf ~/models/nomic-embed-text-v1.5.Q8_0.gguf
      memloci embedder use endpoint http://127.0.0.1:11434/v1 --model nomic-embed-text

    The new embedder is tried first; memories are then re-embedded in the background while
    search keeps working (`memloci embedder sync` does it now).
    """
    if kind in ("gguf", "endpoint") and not target:
        what = "the GGUF file" if kind == "gguf" else "the endpoint URL"
        raise InvalidInput(f"Give {what}: memloci embedder use {kind} ...")
    status = session.open().use_embedder(
        kind,
        model_path=str(Path(target).expanduser().resolve()) if kind == "gguf" and target else None,
        url=target if kind == "endpoint" else None,
        model=model_name,
        api_key_env=api_key_env,
    )
    click.echo(f"Now using {status.get('embedder') or 'full-text search only'}.")


@embedder.command(name="sync")
@pass_session
def embedder_sync(session: Any) -> None:
    """Embed every memory still waiting for a vector, now."""
    count = session.open().index_sync(progress=Progress("Indexing for search by meaning"))
    click.echo(f"Embedded {count:,} memories.")


COMMANDS = [embedder]
