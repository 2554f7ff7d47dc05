"""Printing results for people (aligned, short) and for programs (`--json`)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click

from app.domain import HistoryEntry, Memory, SearchHit


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=None))


def local(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "-"


def width() -> int:
    return max(60, min(shutil.get_terminal_size((100, 20)).columns, 160))


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    if not rows:
        return
    sizes = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    total = width()
    # The last column takes what is left, so long titles wrap the table to the terminal.
    sizes[-1] = max(10, min(sizes[-1], total - sum(sizes[:-1]) - 2 * (len(sizes) - 1)))
    line = "  ".join(str(h).ljust(sizes[i]) for i, h in enumerate(headers))
    click.secho(line.rstrip(), bold=True)
    for row in rows:
        cells = [clip(str(c), sizes[i]).ljust(sizes[i]) for i, c in enumerate(row)]
        click.echo("  ".join(cells).rstrip())


def memories(items: Iterable[Memory]) -> None:
    rows = [
        (m.id[:8], m.type.value, local(m.occurred_at), "" if m.active else "invalid", m.title)
        for m in items
    ]
    if not rows:
        click.echo("No memories.")
        return
    table(rows, ("ID", "TYPE", "WHEN", "STATE", "TITLE"))


def hits(items: Sequence[SearchHit], query: str) -> None:
    if not items:
        click.echo(f"Nothing found for {query!r}.")
        return
    for n, hit in enumerate(items, 1):
        sources = ", ".join(f"{s.kind}:{s.ref}" for s in hit.sources[:3])
        click.secho(f"{n:>2}. {hit.title or clip(hit.text, 80)}", bold=True)
        click.echo(
            f"    {hit.id[:8]}  {hit.type.value}  {local(hit.occurred_at)}  "
            f"score {hit.score:.3f}  from {sources or '-'}"
        )
        if hit.snippet:
            click.echo("    " + clip(hit.snippet, width() - 4))


def memory_detail(memory: Memory, secret: str | None = None) -> None:
    click.secho(f"{memory.title}", bold=True)
    facts = [
        ("id", memory.id),
        ("type", memory.type.value),
        ("when", local(memory.occurred_at)),
        ("created", local(memory.created_at)),
        ("updated", f"{local(memory.updated_at)} (version {memory.version})"),
        ("origin", memory.origin),
    ]
    if not memory.active:
        facts.append(("invalid since", f"{local(memory.valid_to)}: {memory.invalid_reason}"))
    for name, value in facts:
        click.echo(f"  {name:<14}{value}")
    for name, value in memory.fields.items():
        if isinstance(value, list):
            click.echo(f"  {name:<14}")
            for n, item in enumerate(value, 1):
                click.echo(f"    {n}. {item}")
        else:
            click.echo(f"  {name:<14}{value}")
    if memory.type.value == "vault":
        from app.memory.vault import MASK

        click.echo(f"  {'secret_value':<14}{secret if secret is not None else MASK}")
    click.echo("  sources")
    for source in memory.sources:
        click.echo(f"    {source.kind}: {source.ref}")


def history(entries: Sequence[HistoryEntry]) -> None:
    for entry in entries:
        line = f"v{entry.version}  {local(entry.at)}  {entry.action:<10} by {entry.actor}"
        if entry.reason:
            line += f"  ({entry.reason})"
        click.echo(line)
        old = (entry.old or {}).get("fields", {})
        new = (entry.new or {}).get("fields", {})
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key) and entry.old is not None:
                click.echo(
                    f"      {key}: {clip(str(old.get(key)), 60)!r} -> "
                    f"{clip(str(new.get(key)), 60)!r}"
                )


def _counted(n: int, what: str, many: str | None = None) -> str:
    return f"{n} {what if n == 1 else (many or what + 's')}"


def forget_plan(plan: Any) -> None:
    """What a forget removes and changes (`ForgetPlan`), as a preview or as what was done."""
    verb = ("Forgot", "Kept") if plan.done else ("Would forget", "Would keep")
    purged = [*((i, "asked") for i in plan.requested), *((i, "derived") for i in plan.derived)]
    by_type = ", ".join(f"{t} {n}" for t, n in plan.counts_by_type().items())
    click.echo(f"{verb[0]} {_counted(len(purged), 'memory', 'memories')} ({by_type}):")
    table(
        [(i.id[:8], i.type.value, why, i.text or i.title) for i, why in purged],
        ("ID", "TYPE", "WHY", "TEXT"),
    )
    if plan.kept:
        how = (
            "that also came from elsewhere, without the forgotten source"
            if plan.cascade
            else "made from it, without the forgotten source (--keep-derived)"
        )
        click.echo(f"{verb[1]} {_counted(len(plan.kept), 'memory', 'memories')} {how}:")
        rows = []
        for item in plan.kept:
            note = item.text or item.title
            if item.lines_removed:
                lines = "; ".join(item.lines_removed)
                note = f"{_counted(len(item.lines_removed), 'line')} removed: {lines}"
            rows.append((item.id[:8], item.type.value, note))
        table(rows, ("ID", "TYPE", "CHANGE"))
    extras = []
    if plan.queue_items:
        extras.append(_counted(plan.queue_items, "item") + " waiting for the memory agents")
    if plan.frames:
        extras.append(_counted(plan.frames, "retained screen frame"))
    if extras:
        click.echo("Also: " + "; ".join(extras) + ".")
