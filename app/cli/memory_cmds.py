"""Commands on memories: add, list, show, update, invalidate, restore, history, search
(`forget` is in `erase_cmds`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from app.cli import pass_session, render
from app.domain import MemoryType, Source
from app.errors import InvalidInput

TYPE_CHOICE = click.Choice([t.value for t in MemoryType], case_sensitive=False)


def parse_fields(pairs: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--field needs NAME=VALUE, got {pair!r}.")
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            try:
                fields[name.strip()] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        fields[name.strip()] = value
    return fields


def parse_sources(values: tuple[str, ...]) -> list[Source]:
    sources = []
    for value in values:
        kind, sep, ref = value.partition(":")
        if not sep:
            raise InvalidInput(f"--source needs KIND:REF (e.g. file:/tmp/a.txt), got {value!r}.")
        sources.append(Source.from_dict({"kind": kind, "ref": ref}))
    return sources


def read_text_file(path: str) -> str:
    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        name = "standard input" if path == "-" else path
        raise InvalidInput(f"{name} is not valid UTF-8 text (byte {error.start}).") from None


def read_secret() -> str:
    if sys.stdin.isatty():
        return click.prompt("Secret value", hide_input=True, confirmation_prompt=True, err=True)
    value = sys.stdin.read().rstrip("\n")
    if not value:
        raise InvalidInput("No secret given: pipe it on standard input or type it when asked.")
    return value


def bounds(since: str | None, until: str | None) -> tuple[Any, Any]:
    from app.timewords import parse_bound

    return (
        parse_bound(since, end=False) if since else None,
        parse_bound(until, end=True) if until else None,
    )


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


@click.command()
@click.argument("text", required=False)
@click.option(
    "--type",
    "-t",
    "memory_type",
    type=TYPE_CHOICE,
    default="episodic",
    show_default=True,
    help="Which memory to add to.",
)
@click.option(
    "--field",
    "-f",
    "fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="A type-specific field (repeatable), e.g. --field name=Ana.",
)
@click.option(
    "--file",
    "from_file",
    metavar="PATH",
    help="Read the text from a file ('-' for standard input).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="KIND:REF",
    help="Where it came from (chat, screen, file, user), e.g. file:/home/me/cv.pdf.",
)
@json_option
@pass_session
def add(
    session: Any,
    text: str | None,
    memory_type: str,
    fields: tuple[str, ...],
    from_file: str | None,
    sources: tuple[str, ...],
    as_json: bool,
) -> None:
    """Remember TEXT as a memory of the given type.

    \b
    Examples:
      memloci add "Dentist appointment moved to Friday" --type episodic
      memloci add "Ana is my sister; lives in Porto" -t semantic -f name=Ana
      memloci add "Deploy the site" -t procedural -f "steps=build; test; push"
      memloci add --file notes.md -t resource -f title="Project notes"
      memloci add "Bank PIN" -t vault -f sensitivity=high     (asks for the secret)
    """
    values = parse_fields(fields)
    if from_file:
        if text:
            raise InvalidInput("Give either TEXT or --file, not both.")
        text = read_text_file(from_file)
        if not sources and from_file != "-":
            sources = (f"file:{Path(from_file).resolve()}",)
    if memory_type == "vault" and "secret_value" not in values:
        values["secret_value"] = read_secret()
    memloci = session.open(create=True)
    memory = memloci.add(
        text,
        type=memory_type,
        fields=values,
        sources=parse_sources(sources) or [Source("user", "cli")],
    )
    if as_json:
        render.emit_json(memory.to_dict())
    else:
        click.echo(f"Remembered {memory.type.value} {memory.id}: {memory.title}")


@click.command(name="list")
@click.option("--type", "-t", "memory_type", type=TYPE_CHOICE, help="Only this type.")
@click.option("--all", "include_invalid", is_flag=True, help="Include invalidated memories.")
@click.option(
    "--since", metavar="DATE", help="From this moment (2024-05-08, 'yesterday', 'last Monday')."
)
@click.option(
    "--until", metavar="DATE", help="Up to this moment (a day, 'last week', 'May 2024': all of it)."
)
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@json_option
@pass_session
def list_(
    session: Any,
    memory_type: str | None,
    include_invalid: bool,
    since: str | None,
    until: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List memories, newest first."""
    start, end = bounds(since, until)
    items = session.open().list(
        memory_type,
        include_invalid=include_invalid,
        since=start,
        until=end,
        limit=limit,
        offset=offset,
    )
    if as_json:
        render.emit_json([m.to_dict() for m in items])
    else:
        render.memories(items)


@click.command()
@click.argument("memory_id")
@click.option(
    "--reveal", is_flag=True, help="Show a vault secret (high sensitivity asks the passphrase)."
)
@json_option
@pass_session
def show(session: Any, memory_id: str, reveal: bool, as_json: bool) -> None:
    """Show one memory with its fields and sources (an id prefix is enough)."""
    memloci = session.open()
    memory = memloci.get(memory_id)
    secret = None
    if reveal:
        secret = _reveal(memloci, memory)
    if as_json:
        data = memory.to_dict()
        if secret is not None:
            data["fields"]["secret_value"] = secret
        render.emit_json(data)
    else:
        render.memory_detail(memory, secret)


def _reveal(memloci: Any, memory: Any) -> str:
    from app.security.unlock import env_passphrase

    passphrase = None
    if memory.fields.get("sensitivity") == "high":
        passphrase = env_passphrase() or click.prompt(
            "Passphrase (high-sensitivity secret)", hide_input=True, err=True
        )
    return memloci.reveal(memory.id, passphrase)


@click.command()
@click.argument("memory_id")
@click.argument("text", required=False)
@click.option("--field", "-f", "fields", multiple=True, metavar="NAME=VALUE")
@click.option("--reason", help="Why it changed (kept in the history).")
@json_option
@pass_session
def update(
    session: Any,
    memory_id: str,
    text: str | None,
    fields: tuple[str, ...],
    reason: str | None,
    as_json: bool,
) -> None:
    """Change a memory. TEXT replaces its main text; the old version stays in its history."""
    memory = session.open().update(memory_id, text, fields=parse_fields(fields), reason=reason)
    if as_json:
        render.emit_json(memory.to_dict())
    else:
        click.echo(f"Updated {memory.id} to version {memory.version}.")


@click.command()
@click.argument("memory_id")
@click.option("--reason", required=True, help="Why it is no longer true.")
@json_option
@pass_session
def invalidate(session: Any, memory_id: str, reason: str, as_json: bool) -> None:
    """Mark a memory as no longer true; it is kept, with the reason, but leaves search."""
    memory = session.open().invalidate(memory_id, reason)
    if as_json:
        render.emit_json(memory.to_dict())
    else:
        click.echo(f"Invalidated {memory.id}: {reason}")


@click.command()
@click.argument("memory_id")
@pass_session
def restore(session: Any, memory_id: str) -> None:
    """Undo an invalidation."""
    memory = session.open().restore(memory_id)
    click.echo(f"Restored {memory.id}.")


@click.command()
@click.argument("memory_id")
@json_option
@pass_session
def history(session: Any, memory_id: str, as_json: bool) -> None:
    """Every version of a memory: what changed, by whom, why."""
    entries = session.open().history(memory_id)
    if as_json:
        render.emit_json([e.to_dict() for e in entries])
    else:
        render.history(entries)


@click.command()
@click.argument("query", required=False)
@click.option(
    "--type", "-t", "types", type=TYPE_CHOICE, multiple=True, help="Only these types (repeatable)."
)
@click.option("--limit", "-k", type=click.IntRange(1, 1_000), help="How many hits.")
@click.option("--since", metavar="DATE")
@click.option("--until", metavar="DATE")
@click.option("--all", "include_invalid", is_flag=True, help="Include invalidated memories.")
@click.option(
    "--queries",
    "queries_file",
    metavar="FILE",
    help="Answer every query in FILE (one per line), one JSON line each.",
)
@json_option
@pass_session
def search(
    session: Any,
    query: str | None,
    types: tuple[str, ...],
    limit: int | None,
    since: str | None,
    until: str | None,
    include_invalid: bool,
    queries_file: str | None,
    as_json: bool,
) -> None:
    """Find memories matching QUERY (words, a question; time words like "last week" or
    "in May 2023" narrow it to that period)."""
    start, end = bounds(since, until)
    if queries_file:  # many queries, one process (issue 3)
        if query:
            raise InvalidInput("Give either QUERY or --queries FILE, not both.")
        options = {"types": types or None, "since": start, "until": end}
        options["include_invalid"] = include_invalid
        search_many(session.open(), queries_file, limit, options)
        return
    if not query:
        raise InvalidInput('Give a search query, e.g. memloci search "dentist friday".')
    hits = session.open().search(
        query,
        types=types or None,
        limit=limit,
        since=start,
        until=end,
        include_invalid=include_invalid,
    )
    if as_json:
        render.emit_json({"query": query, "hits": [h.to_dict() for h in hits]})
    else:
        render.hits(hits, query)


COMMANDS = [add, list_, show, update, invalidate, restore, history, search]  # forget: erase_cmds


def search_many(memloci: Any, path: str, limit: int | None, options: dict[str, Any]) -> None:
    """One JSON line per query of the file (one query per line, blank lines skipped)."""
    source = Path(path)
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path} is not valid UTF-8 text (byte {error.start}).") from None
    except OSError as error:
        raise InvalidInput(f"Cannot read {path}: {error.strerror}.") from None
    for line in lines:
        query = line.strip()
        if query.startswith("{"):  # JSON lines with a "query" key are read too
            try:
                query = str(json.loads(query).get("query") or "").strip()
            except (json.JSONDecodeError, AttributeError):
                pass
        if not query:
            continue
        hits = memloci.search(query, limit=limit, **options)
        click.echo(
            json.dumps({"query": query, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False)
        )
