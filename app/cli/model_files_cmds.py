"""`memloci model catalog|download|list|remove|servers`: getting a stronger model."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.model_cmds import json_option, model


def _size(size: int | None) -> str:
    if not size:
        return "-"
    if size >= 1e9:
        return f"{size / 1e9:.1f} GB"
    return f"{size / 1e6:.0f} MB" if size >= 1e8 else f"{size / 1e6:.1f} MB"


def _rate(value: float | None) -> str:
    if value is None:
        return "?"
    return f"~{value:.1f}/s" if value < 10 else f"~{value:.0f}/s"


@model.command(name="catalog")
@click.option("--measure", is_flag=True, help="Measure this computer again (a few seconds).")
@json_option
@pass_session
def model_catalog(session: Any, measure: bool, as_json: bool) -> None:
    """Models worth downloading, with what each needs and how fast it would be here."""
    view = session.open().models.catalog(measure_again=measure)
    if as_json:
        render.emit_json(view.to_dict())
        return
    click.echo(f"This computer: {view.machine.describe()}.")
    if view.speed is not None:
        click.echo(
            f"Measured here: the bundled model reads {view.speed.prompt_tps:.0f} tokens/s and "
            f"writes {view.speed.generate_tps:.0f} tokens/s ({view.speed.threads} threads)."
        )
    rows = []
    for row in view.rows:
        est, entry = row.estimate, row.model
        state = ""
        if row.installed is not None:
            state = "part kept" if row.installed.partial else "downloaded"
        rows.append(
            (
                "*" if row.recommended else "",
                entry.name,
                _size(entry.approx_bytes),
                f"{_size(est.memory_bytes)} ({est.fit})",
                _rate(est.generate_tps),
                _rate(est.prompt_tps),
                state,
                f"{entry.title}; {entry.licence}",
            )
        )
    click.echo()
    render.table(rows, ("", "NAME", "DOWNLOAD", "MEMORY", "WRITES", "READS", "", "MODEL"))
    click.echo()
    pick = view.recommendation
    click.echo(
        f"Recommended: {pick.name} ({pick.title}). {pick.reason}" if pick.name else pick.reason
    )
    click.secho(
        "Speeds are estimates in tokens per second: the bundled model's speed here, scaled by "
        "file size (writing) and parameter count (reading the prompt); real figures vary.",
        dim=True,
    )
    click.echo("`memloci model download NAME` fetches one; `memloci model use NAME` uses it.")


class _Bar:
    """One progress line on stderr (a line per 10 % when stderr is not a terminal)."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.tty = sys.stderr.isatty()
        self.shown = -1
        self.lock = threading.Lock()

    def __call__(self, progress: Any) -> None:
        with self.lock:
            total = progress.total
            share = progress.done / total if total else 0.0
            verb = {"checking": "Checking the part already here", "verifying": "Verifying"}.get(
                progress.phase, "Downloading"
            )
            text = f"{verb} {self.title}: {_size(progress.done)}"
            if total:
                text += f" of {_size(total)} ({share:.0%})"
            if progress.bytes_per_s > 0 and progress.phase == "downloading":
                text += f", {progress.bytes_per_s / 1e6:.1f} MB/s"
                if total:
                    left = (total - progress.done) / progress.bytes_per_s
                    text += f", {left / 60:.0f} min left" if left >= 90 else f", {left:.0f} s left"
            if self.tty:
                click.echo("\r" + text.ljust(78), nl=False, err=True)
            elif int(share * 10) != self.shown or progress.phase != "downloading":
                self.shown = int(share * 10)
                click.echo(text, err=True)

    def end(self) -> None:
        if self.tty:
            click.echo(err=True)


@model.command(name="download")
@click.argument("name")
@click.option("--sha256", help="The file's SHA-256, for a URL whose server publishes none.")
@click.option("--use", "use_it", is_flag=True, help="Use it for chat answers once downloaded.")
@json_option
@pass_session
def model_download(
    session: Any, name: str, sha256: str | None, use_it: bool, as_json: bool
) -> None:
    """Download NAME: a catalogue model (`memloci model catalog`), a Hugging Face file
    (owner/repo/file.gguf, or its URL) or any URL of a .gguf file. A stopped download resumes
    when run again; the file is used only once whole and its SHA-256 checked.
    """
    memloci = session.open()
    bar = _Bar(name)
    cancel = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["done"] = memloci.models.download(
                name, sha256=sha256, on_progress=bar, cancel=cancel
            )
        except BaseException as error:  # handed to the main thread
            box["error"] = error

    worker = threading.Thread(target=run, name="memloci-download")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        cancel.set()  # the part is kept for a resume
        worker.join()
    finally:
        bar.end()
    if "error" in box:
        raise box["error"]
    done = box["done"]
    result = {
        "path": str(done.path),
        "size": done.size,
        "sha256": done.sha256,
        "checked_against": done.checked_against,
        "resumed_from": done.resumed_from,
        "already_here": done.already_here,
    }
    if use_it:
        memloci.models.use("gguf", path=str(done.path))
    if as_json:
        render.emit_json({**result, "used_for_chat": use_it})
        return
    if done.already_here:
        click.echo(f"{done.path.name} is downloaded already ({_size(done.size)}).")
    else:
        click.echo(f"Downloaded {done.path} ({_size(done.size)}).")
    checked = {
        "catalogue": "matches Memloci's catalogue",
        "hub": "matches the SHA-256 the hub publishes",
        "given": "matches the SHA-256 you gave",
    }.get(done.checked_against)
    if checked:
        click.echo(f"Its SHA-256 {checked}.")
    else:
        click.secho(
            "No SHA-256 was published for this file: only its GGUF structure was checked.",
            fg="yellow",
        )
    if use_it:
        click.echo("Memloci uses it for chat answers from now on.")
    else:
        click.echo(
            f"Use it with `memloci model use {done.path.name}` (add --role agents for "
            "the memory agents)."
        )


@model.command(name="list")
@json_option
@pass_session
def model_list(session: Any, as_json: bool) -> None:
    """Models in Memloci's models folder, and downloads that stopped before the end."""
    memloci = session.open()
    items = memloci.models.installed()
    in_use = memloci.models.in_use()
    used = {path: [r for r, p in in_use.items() if p == path] for path in in_use.values()}
    if as_json:
        render.emit_json(
            [
                {**item.to_dict(), "used_for": used.get(str(item.path.resolve()), [])}
                for item in items
            ]
        )
        return
    folder = memloci.models.folder()
    if not items:
        click.echo(f"No models downloaded yet ({folder}). `memloci model catalog` lists some.")
        return
    rows = []
    for item in items:
        if item.partial:
            state = f"stopped at {_size(item.size)}: run the download again to resume"
        else:
            state = ", ".join(used.get(str(item.path.resolve()), [])) or "-"
        rows.append((item.filename, _size(item.size), item.checked_against or "-", state))
    render.table(rows, ("FILE", "SIZE", "SHA-256 CHECKED", "IN USE FOR"))
    click.echo(f"In {folder}.")


@model.command(name="remove")
@click.argument("name")
@json_option
@pass_session
def model_remove(session: Any, name: str, as_json: bool) -> None:
    """Delete a downloaded model (or a stopped download) from the models folder."""
    removed = session.open().models.remove(name)
    if as_json:
        render.emit_json({"removed": [str(p) for p in removed]})
        return
    for path in removed:
        click.echo(f"Removed {path}.")


@model.command(name="servers")
@json_option
@pass_session
def model_servers(session: Any, as_json: bool) -> None:
    """Model servers running on this computer (Ollama, LM Studio, llama.cpp, ...). Only their
    model lists are read; nothing is sent to them until you choose one."""
    started = time.perf_counter()
    found = session.open().models.find_servers()
    if as_json:
        render.emit_json([server.to_dict() for server in found])
        return
    if not found:
        click.echo(
            "No model server answers on this computer's usual ports "
            f"({time.perf_counter() - started:.1f} s). Start Ollama, LM Studio or llama-server, "
            "or add a port with `memloci config set model.server_ports '[PORT]'`."
        )
        return
    for server in found:
        click.secho(f"{server.title} at {server.base_url}", bold=True)
        for item in server.models or ():
            detail = f" ({item.detail})" if item.detail else ""
            click.echo(f"  {item.id}{detail}")
        if not server.models:
            click.echo("  (no chat models listed)")
        first = server.models[0].id if server.models else "NAME"
        click.echo(f"  use: memloci model endpoint {server.base_url} --model {first}")


COMMANDS: list[click.Command] = []  # these join the `model` group of model_cmds
