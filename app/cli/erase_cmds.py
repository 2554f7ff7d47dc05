"""`memloci forget`: by id (issue 13) or by selection (issue 20): the last N minutes, a span,
an application, a window title or address, words, a conversation. It shows what goes, counted
by type and by source, before it asks; after erasing an application it offers never to capture
it again."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.memory_cmds import TYPE_CHOICE, bounds, json_option
from app.domain import MemoryType
from app.erase.selection import Selection
from app.errors import InvalidInput

SHOWN = 25  # rows of a large erase printed before "… and N more"


def _counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def erase_plan(plan: Any) -> None:
    """What an erase removes (`ErasePlan`): counts by type and by source, then the memories."""
    forget = plan.forget
    verb = "Erased" if plan.done else "Would erase"
    by_type = ", ".join(f"{t} {n:,}" for t, n in plan.by_type().items())
    what = _counted(plan.count, "memory", "memories")
    turns = plan.conversation_turns
    asked = f" and {_counted(turns, 'turn', 'turns')} of your conversations with Memloci"
    click.echo(
        f"{verb} {what}" + (f" ({by_type})" if by_type else "") + (asked if turns else "") + "."
    )
    if not plan.count:
        return
    click.echo("By source:")
    for label, count in plan.by_source:
        click.echo(f"  {count:>7,}  {label}")
    if plan.done:
        return
    purged = [*((i, "chosen") for i in forget.requested), *((i, "derived") for i in forget.derived)]
    rows = [(i.id[:8], i.type.value, why, i.text or i.title) for i, why in purged[:SHOWN]]
    render.table(rows, ("ID", "TYPE", "WHY", "TEXT"))
    if len(purged) > SHOWN:
        click.echo(f"… and {len(purged) - SHOWN:,} more (--json lists them all).")
    if forget.kept:
        click.echo(
            f"{_counted(len(forget.kept), 'memory also comes', 'memories also come')} from "
            "elsewhere: kept, without the erased sources."
        )
    extras = []
    if forget.queue_items:
        extras.append(_counted(forget.queue_items, "item", "items") + " waiting for the agents")
    if forget.frames:
        extras.append(_counted(forget.frames, "kept screen frame", "kept screen frames"))
    if extras:
        click.echo("Also: " + "; ".join(extras) + ".")


def _selection(options: dict[str, Any], types: Sequence[str]) -> Any:
    criteria = {k: options[k] for k in ("app", "title", "url", "query", "source") if options[k]}
    chosen = tuple(MemoryType.parse(t) for t in types)
    if options["last"]:
        if options["since"] or options["until"]:
            raise InvalidInput("Give either --last or --since/--until, not both.")
        return Selection.last(options["last"], types=chosen, **criteria)
    since, until = bounds(options["since"], options["until"])
    return Selection(since=since, until=until, types=chosen, **criteria)


@click.command()
@click.argument("memory_ids", nargs=-1, metavar="[ID...]")
@click.option("--last", metavar="LENGTH", help="What was recorded in the last 15m, 2h, 1d …")
@click.option("--since", metavar="WHEN", help="From this moment ('yesterday 14:00', 2024-05-01).")
@click.option("--until", metavar="WHEN", help="Up to this moment.")
@click.option("--app", metavar="NAME", help="Screen sessions of this application (a glob).")
@click.option("--title", metavar="GLOB", help="Screen sessions whose window title matches.")
@click.option("--url", metavar="GLOB", help="Screen sessions whose page address matches.")
@click.option("--query", metavar="TEXT", help="Memories holding all of these words.")
@click.option("--source", metavar="KIND:REF", help="A chat conversation (chat:ID) or a source.")
@click.option(
    "--type",
    "-t",
    "types",
    type=TYPE_CHOICE,
    multiple=True,
    help="Only memories of this type (repeatable); with --app/--source: the ones made from it.",
)
@click.option(
    "--cascade/--keep-derived",
    default=True,
    show_default=True,
    help="Also forget what was made only from these memories, or keep it without the "
    "forgotten source.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be forgotten; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--never-capture",
    is_flag=True,
    help="With --app: also stop capturing that application (an exclusion rule).",
)
@json_option
@pass_session
def forget(
    session: Any,
    memory_ids: tuple[str, ...],
    types: tuple[str, ...],
    cascade: bool,
    dry_run: bool,
    yes: bool,
    never_capture: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """Erase memories for good: record, history, index entries (the vector index's files are
    rewritten without them), kept screen frames, queued agent work, and what the memory agents
    made only from them. Memories with another source stay and lose this one. Cannot be undone.

    \b
    Examples:
      memloci forget 3f9k2m1q --dry-run        what would go, nothing changes
      memloci forget 3f9k2m1q                  shows that, asks, forgets
      memloci forget --last 15m                what was recorded in the last 15 minutes
      memloci forget --app firefox --since "last Monday"
      memloci forget --url '*bank.example*'    sessions on that site
      memloci forget --source chat:CONVERSATION
      memloci forget --app firefox -t semantic the facts made from Firefox sessions
    """
    selecting = any(options.values())
    if memory_ids and (selecting or types):
        raise InvalidInput("Give memory ids or a selection (--last, --app, …), not both.")
    if never_capture and not options["app"]:
        raise InvalidInput("--never-capture goes with --app NAME.")
    memloci = session.open()
    if memory_ids:
        _by_ids(memloci, list(memory_ids), cascade, dry_run, yes, as_json)
        return
    selection = _selection(options, types)
    preview = memloci.data.erase_preview(selection, cascade=cascade)
    if dry_run:
        render.emit_json(preview.to_dict()) if as_json else erase_plan(preview)
        return
    if not preview.count and not preview.conversation_turns:
        render.emit_json(preview.to_dict()) if as_json else click.echo("Nothing to erase.")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise InvalidInput(
                "Erasing cannot be undone: add --yes to confirm (--dry-run shows what goes)."
            )
        erase_plan(preview)
        click.confirm("Erase these for good?", abort=True, err=True)
    if not as_json:
        click.echo("Erasing… (the vector index's files are rewritten without them)", err=True)
    done = memloci.data.erase(selection, cascade=cascade, wait_for_files=True)
    excluded = _offer_exclusion(memloci, options["app"], done, never_capture, yes, as_json)
    if as_json:
        render.emit_json({**done.to_dict(), "never_capture": excluded})
        return
    erase_plan(done)
    click.echo(f"Done in {done.seconds:.1f} s; {done.vectors_note}.")
    if excluded:
        click.echo(f"Memloci will no longer capture windows of {excluded!r}.")


def _offer_exclusion(
    memloci: Any, app: str | None, done: Any, never: bool, yes: bool, as_json: bool
) -> str | None:
    """After erasing an application: "never capture it again" (asked at a terminal)."""
    if not app or not done.count:
        return None
    pattern = app.strip()
    if not never:
        if yes or as_json or not sys.stdin.isatty():
            return None
        names = ", ".join(done.apps) or pattern
        if not click.confirm(f"Never capture {names} again?", default=False, err=True):
            return None
    rules = memloci.capture.rules()
    if any(r.kind == "app" and r.pattern.lower() == pattern.lower() for r in rules):
        return pattern
    memloci.capture.exclude("app", pattern, "erased; never capture again")
    return pattern


def _by_ids(
    memloci: Any, memory_ids: list[str], cascade: bool, dry_run: bool, yes: bool, as_json: bool
) -> None:
    """`memloci forget ID...` as before (issue 13), and the index files cleaned after."""
    if not memory_ids:
        raise InvalidInput(
            "Say what to forget: memory ids, or --last, --since/--until, --app, --title, "
            "--url, --query or --source."
        )
    preview = memloci.forget_preview(memory_ids, cascade=cascade)
    if dry_run:
        render.emit_json(preview.to_dict()) if as_json else render.forget_plan(preview)
        return
    if not yes:
        if not sys.stdin.isatty():
            raise InvalidInput(
                "Forgetting cannot be undone: add --yes to confirm (--dry-run shows what goes)."
            )
        render.forget_plan(preview)
        click.confirm("Forget these for good?", abort=True, err=True)
    done = memloci.forget(memory_ids, cascade=cascade)
    if sys.stderr.isatty():
        click.echo("Rewriting the vector index's files without it…", err=True)
    memloci.data.scrub_vectors()
    if as_json:
        render.emit_json(done.to_dict())
    elif len(done.purged) == 1 and not done.kept:
        click.echo(f"Forgot {done.purged_ids[0]}.")
    else:
        render.forget_plan(done)


@click.group()
def retention() -> None:
    """How long memories are kept. Set the rules with `memloci config set`:

    \b
      memloci config set retention.screen_days 30     screen sessions after 30 days
      memloci config set retention.chat_days 365      chat messages after a year
      memloci config set retention.frames_days 7      kept screen frames after a week
      memloci config set retention.apps '{"firefox": 7, "signal*": 1}'
      memloci config set retention.mine_days 0        what you entered: kept (default)

    The desktop app applies them every few hours; `memloci retention apply` does it now.
    """


def _rules_text(rules: Any) -> list[str]:
    def days(n: int) -> str:
        return "kept until erased" if not n else f"{n} day{'s' if n != 1 else ''}"

    lines = [
        f"  screen sessions      {days(rules.screen_days)}",
        f"  chat messages        {days(rules.chat_days)}",
        f"  kept frames          {days(rules.frames_days)}",
        f"  what you entered     {days(rules.mine_days)} (vault and core memory: always kept)",
    ]
    lines += [f"  app {name:<16} {days(n)}" for name, n in rules.apps.items()]
    return lines


def _report(report: Any) -> None:
    verb = "Expired" if report.done else "Would expire now"
    parts = [f"{n:,} {what}" for what, n in report.counts().items() if n]
    click.echo(f"{verb}: " + (", ".join(parts) if parts else "nothing") + ".")
    derived = report.forgotten - len(report.expired.records)
    if derived > 0:
        click.echo(f"  and {derived:,} memories made only from them.")


@retention.command(name="show")
@json_option
@pass_session
def retention_show(session: Any, as_json: bool) -> None:
    """The rules, and what they would expire now."""
    memloci = session.open()
    report = memloci.data.retention_preview()
    if as_json:
        rules = memloci.settings.retention.model_dump(mode="json")
        render.emit_json({"rules": rules, **report.to_dict()})
        return
    click.echo("Retention rules:")
    for line in _rules_text(memloci.settings.retention):
        click.echo(line)
    _report(report)


@retention.command(name="apply")
@click.option("--dry-run", is_flag=True, help="Show what would expire; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_session
def retention_apply(session: Any, dry_run: bool, yes: bool, as_json: bool) -> None:
    """Expire now what the rules say (and what was made only from it)."""
    memloci = session.open()
    preview = memloci.data.retention_preview()
    if dry_run or not (preview.expired.records or preview.expired.frames):
        render.emit_json(preview.to_dict()) if as_json else _report(preview)
        return
    if not yes:
        if not sys.stdin.isatty():
            raise InvalidInput("Expiring cannot be undone: add --yes to confirm.")
        _report(preview)
        click.confirm("Expire these for good?", abort=True, err=True)
    done = memloci.data.apply_retention()
    memloci.data.scrub_vectors()
    render.emit_json(done.to_dict()) if as_json else _report(done)


COMMANDS = [forget, retention]
