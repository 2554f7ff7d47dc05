"""Talking to your memory and running the memory agents: ask, chat, agents run/status/retry,
consolidate."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from app.cli import pass_session, render
from app.errors import Cancelled, InvalidInput, MemlociError

T = TypeVar("T")

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def cancellable(work: Callable[[threading.Event], T]) -> tuple[T | None, bool]:
    """Run `work(cancel)` on a thread; Ctrl-C sets `cancel` and waits for it to stop cleanly.
    Returns (result, interrupted)."""
    cancel = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work(cancel)
        except BaseException as error:
            box["error"] = error

    thread = threading.Thread(target=run, name="memloci-cli-work", daemon=True)
    thread.start()
    interrupted = False
    while thread.is_alive():
        try:
            thread.join(0.1)
        except KeyboardInterrupt:
            interrupted = True
            cancel.set()
    if "error" in box:
        raise box["error"]
    return box.get("result"), interrupted


def _print_sources(memloci: Any, answer: Any) -> None:
    ids = answer.citations or getattr(answer, "related", [])
    if not ids:
        return
    how = {
        "model": "cited by the model",
        "overlap": "the memories the answer draws on",
        "memories": "the memories quoted",
        "saved": "saved",
    }.get(answer.citation_method, answer.citation_method)
    if not answer.citations:
        how = "the closest memories; none of them answers"
    click.secho(f"Sources ({how}):", dim=True)
    for memory_id in ids:
        try:
            memory = memloci.get(memory_id)
        except MemlociError:
            continue
        number = answer.context_ids.index(memory_id) + 1 if memory_id in answer.context_ids else 0
        mark = f"[{number}] " if number else ""
        origin = ", ".join(f"{s.kind}:{s.ref}" for s in memory.sources[:2])
        click.echo(
            f"  {mark}{memory.id[:8]}  {memory.type.value}  {render.local(memory.occurred_at)}  "
            f"{render.clip(memory.title, 60)}  ({origin})"
        )


def _answer(memloci: Any, ask: Callable[..., Any], as_json: bool) -> Any:
    """Stream one answer to the terminal (or collect it for --json) and print its sources.
    Only checked text ever reaches `on_token`: a model's sentence is shown once it has passed
    the grounding check, an answer built from memories in one piece."""
    streamed: list[str] = []

    def on_token(text: str) -> None:
        streamed.append(text)
        if not as_json:
            click.echo(text, nl=False)

    answer, interrupted = cancellable(lambda cancel: ask(on_token=on_token, cancel=cancel))
    if answer is None:
        raise Cancelled("Stopped.")
    if as_json:
        render.emit_json(answer.to_dict())
        return answer
    if not streamed:  # "remember ..." requests print their reply here
        click.echo(answer.answer, nl=False)
    click.echo()
    if answer.cancelled or interrupted:
        click.secho("(stopped)", dim=True)
    if answer.answered_by != "memloci":
        note = answer.built_from
        if answer.model_error:
            note += f" ({answer.model_error})"
        click.secho(f"({note})", dim=True)
    _print_sources(memloci, answer)
    return answer


@click.command()
@click.argument("question", nargs=-1, required=True)
@click.option(
    "--no-record", is_flag=True, help="Do not keep this question and its answer as memories."
)
@json_option
@pass_session
def ask(session: Any, question: tuple[str, ...], no_record: bool, as_json: bool) -> None:
    """Answer QUESTION from your memories, citing the memories it used.

    \b
    Examples:
      memloci ask "When did I last see Ana?"
      memloci ask "What is Ana's e-mail address?" --json     {"answer", "citations": [ids]}
      memloci ask "remember my passport number is X1234567"   (kept in the vault)
    """
    text = " ".join(question).strip()
    if not text:
        raise InvalidInput("The question is empty.")
    memloci = session.open()
    _answer(
        memloci,
        lambda **kw: memloci.ask(text, record=not no_record, **kw),
        as_json,
    )


@click.command()
@pass_session
def chat(session: Any) -> None:
    """Talk with your memory (answers stream; Ctrl-C stops one; Ctrl-D or /quit leaves).

    Say "remember my X is Y" to keep something: passwords, ids and card numbers go to the
    encrypted vault and never into a prompt. The conversation itself becomes memory.
    """
    memloci = session.open()
    conversation = memloci.start_chat()
    interactive = sys.stdin.isatty()
    if interactive:
        click.secho(
            "Memloci chat: ask about your memories. Ctrl-C stops an answer; Ctrl-D or /quit "
            "leaves.",
            dim=True,
        )
    while True:
        try:
            line = input("you> " if interactive else "")
        except EOFError:
            if interactive:
                click.echo()
            return
        except KeyboardInterrupt:
            click.echo()
            return
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "/q"):
            return
        if interactive:
            click.secho("memloci> ", bold=True, nl=False)
        try:
            _answer(
                memloci,
                lambda text=text, **kw: memloci.chat_turn(conversation, text, **kw),
                False,
            )
        except InvalidInput as error:
            click.echo(f"memloci: {error}", err=True)


@click.group()
def agents() -> None:
    """The memory agents that organise queued chat and screen activity into memories."""


def _run_summary(report: dict[str, Any]) -> str:
    ops = report["operations"]
    added = ", ".join(f"{t} {n}" for t, n in sorted(report["added_by_type"].items())) or "none"
    lines = [
        f"Processed {report['items']} items in {report['batches']} batches "
        f"({report['seconds']:.1f} s"
        + (
            f", {report['seconds_per_batch']:.1f} s per batch"
            if report["seconds_per_batch"]
            else ""
        )
        + ").",
        f"Added: {added}; updated {ops.get('UPDATE', 0)}, invalidated {ops.get('INVALIDATE', 0)}, "
        f"seen again {ops.get('NOOP', 0)}.",
    ]
    if report.get("replaced"):
        lines.append(
            f"Values a newer message replaced: {report['replaced']} (the old ones stay in history)."
        )
    model = report["model"]
    if model["calls"]:
        lines.append(
            f"Model: {model['calls']} calls, {model['valid_first_try_share']:.0%} valid on the "
            f"first try, {model['failed']} failed twice, {model['repetition_rate']:.0%} "
            f"repetitive, {model['tokens_per_second'] or 0:.0f} tokens/s."
        )
    proposed = report.get("proposed", {}).get("model", 0)
    if proposed:
        kept = report.get("accepted", {}).get("model", 0)
        lines.append(f"Model suggestions kept by the checks: {kept} of {proposed}.")
    if report["policy"]:
        dropped = ", ".join(f"{k} {v}" for k, v in sorted(report["policy"].items()))
        lines.append(f"Checks: {dropped}.")
    if report["failed"]:
        lines.append(f"{report['failed']} items stay queued for another try (model output).")
    if report["stopped"]:
        lines.append(f"Stopped: {report['stopped']} {report['released']} items left queued.")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@agents.command(name="run")
@click.option("--limit", "-n", type=click.IntRange(1), help="Process at most N queued items.")
@json_option
@pass_session
def agents_run(session: Any, limit: int | None, as_json: bool) -> None:
    """Process the queue now (Ctrl-C stops after the current batch is put back)."""
    memloci = session.open()
    progress = sys.stderr.isatty() and not as_json
    started = time.monotonic()
    waiting = int(memloci.agents.status().get("backlog") or 0) if progress else 0
    total = min(waiting, limit) if limit else waiting

    def on_progress(report: Any) -> None:
        if progress:
            handled = report.done + report.failed
            rate = handled / max(time.monotonic() - started, 1e-6)
            of = f" of {total}" if total else ""
            left = (total - handled) / rate if total and rate > 0 else None
            eta = f", about {_duration(left)} left" if left is not None and left >= 1 else ""
            click.echo(
                f"\r{handled}{of} items organised ({rate:.1f}/s{eta}), {report.failed} failed   ",
                nl=False,
                err=True,
            )

    report, _ = cancellable(
        lambda cancel: memloci.agents.process_queue(
            limit=limit, cancel=cancel, on_progress=on_progress
        )
    )
    if progress:
        click.echo(err=True)
    data = report.to_dict()
    if as_json:
        render.emit_json(data)
    elif not data["items"]:
        click.echo("Nothing is waiting for the agents.")
    else:
        click.echo(_run_summary(data))


@agents.command(name="status")
@json_option
@pass_session
def agents_status(session: Any, as_json: bool) -> None:
    """Backlog of the agents' queue, parked items, the last run and the model."""
    status = session.open().agents.status()
    if as_json:
        render.emit_json(status)
        return
    age = status["oldest_pending_seconds"]
    waiting = f"{status['backlog']} items waiting"
    if age is not None:
        waiting += f" (oldest {age / 60:.0f} min)"
    click.echo(waiting + f", {status['failed']} parked after 3 failed tries.")
    for kind, counts in sorted(status["queue"].items()):
        click.echo(f"  {kind}: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    model = status["model"]
    click.echo(f"Model: {model.get('name', '?')} ({model.get('backend')}) {model.get('error', '')}")
    if status["last_run"]:
        click.echo(f"Last run {status['last_run']['at']}:")
        click.echo("  " + _run_summary(status["last_run"]).replace("\n", "\n  "))


@agents.command(name="retry")
@pass_session
def agents_retry(session: Any) -> None:
    """Put parked items (failed 3 times) back in the queue."""
    count = session.open().agents.retry_failed()
    click.echo(f"{count} parked items are queued again.")


@click.command()
@json_option
@pass_session
def consolidate(session: Any, as_json: bool) -> None:
    """Merge duplicate memories, roll old screen activity into day summaries, let importance
    fade (never for what you entered yourself)."""
    report = session.open().agents.consolidate().to_dict()
    if as_json:
        render.emit_json(report)
        return
    click.echo(
        f"Merged {report['merged']} duplicates; rolled {report['rolled_up']} events into "
        f"{report['day_summaries']} new day summaries; importance decayed on "
        f"{report['decayed']} memories, {report['faded']} faded ({report['seconds']:.1f} s)."
    )


COMMANDS = [ask, chat, agents, consolidate]
