"""Screen capture from the terminal: once, run, pause, resume, status, exclusion rules, a live
"would this window be captured?" check, recent sessions and retained frames."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from app.cli import pass_session, render
from app.domain import from_iso, utcnow
from app.errors import InvalidInput

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = max(0.0, (utcnow() - moment).total_seconds())
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _print_tick(result: Any) -> None:
    if result.activity != "capturing":
        click.echo(f"Nothing captured: {result.activity} ({result.detail}).")
        return
    read = {"full": "read in full", "regions": "new parts read", "none": "nothing new to read"}
    click.echo(f"Captured {result.app}: {render.clip(result.title, 70)}")
    click.echo(f"  session {result.session_id}  memory {result.memory_id}  {read[result.read]}")


@click.group()
def capture() -> None:
    """Screen capture: what you see becomes searchable, privately.

    \b
    memloci capture once              look at the window in front now
    memloci capture run --seconds 60  capture in the foreground for a minute
    memloci capture pause --minutes 30
    memloci capture status
    memloci capture exclude add --app keepassxc
    """


@capture.command()
@json_option
@pass_session
def once(session: Any, as_json: bool) -> None:
    """Capture the window in front once and read its text now."""
    memloci = session.open()
    result = memloci.capture.now()
    if as_json:
        render.emit_json(result.to_dict())
        return
    _print_tick(result)


@capture.command()
@click.option("--seconds", type=click.FloatRange(min=1), help="Stop after this long.")
@click.option(
    "--drain/--no-drain",
    default=True,
    help="When --seconds ends, finish reading queued frames (up to 2 minutes) before "
    "exiting; Ctrl-C always stops at once and keeps them for the next run.",
)
@pass_session
def run(session: Any, seconds: float | None, drain: bool) -> None:
    """Capture in the foreground until Ctrl-C (or --seconds), as the app does."""
    memloci = session.open()
    memloci.capture.start()
    started = time.monotonic()
    click.echo("Capturing; Ctrl-C stops." if seconds is None else f"Capturing for {seconds:g} s.")
    shown = ("", "")
    try:
        while seconds is None or time.monotonic() - started < seconds:
            time.sleep(min(1.0, max(0.05, (seconds or 1e9) - (time.monotonic() - started))))
            now = memloci.capture.activity()  # from memory: `status` reads the store
            if now != shown:
                shown = now
                what = f": {render.clip(now[1], 60)}" if now[1] else ""
                click.echo(f"  {now[0]}{what}")
    except KeyboardInterrupt:
        # Ctrl-C means now: frames waiting for OCR stay queued (encrypted) for the next run
        # instead of being read first at the lowest priority, which can take minutes.
        click.echo("Stopping.")
        drain = False
    waiting = memloci.capture.stop(drain_seconds=120 if drain else 0)
    counters = memloci.capture.status().counters
    click.echo(
        f"Stopped after {time.monotonic() - started:.0f} s: {counters.get('grabs', 0)} frames "
        f"grabbed, {counters.get('ocr_runs', 0)} reads"
        + (f", {waiting} frames left for the next run." if waiting else ".")
    )


@capture.command()
@click.option(
    "--minutes",
    type=click.FloatRange(min=0, min_open=True),
    help="Resume by itself after this long (default: until `capture resume`).",
)
@pass_session
def pause(session: Any, minutes: float | None) -> None:
    """Pause capture, here and in the running app."""
    status = session.open().capture.pause(minutes)
    until = render.local(status.paused_until) if status.paused_until else "you resume it"
    click.echo(f"Capture paused until {until}.")


@capture.command()
@pass_session
def resume(session: Any) -> None:
    """Resume capture after a pause."""
    session.open().capture.resume()
    click.echo("Capture resumed.")


@capture.command()
@json_option
@pass_session
def status(session: Any, as_json: bool) -> None:
    """What capture is doing: last frame, backlogs, stall flag, pause, idle."""
    result = session.open().capture.status()
    if as_json:
        render.emit_json(result.to_dict())
        return
    state = {"running": "running", "stopped": "not running", "gone": "NOT RUNNING (process gone)"}
    head = f"Capture: {state.get(result.state, result.state)}"
    if result.state == "running":
        head += f", {result.activity}" + (f" ({result.detail})" if result.detail else "")
    click.secho(head, bold=True, fg="red" if result.stalled else None)
    if result.paused:
        until = render.local(result.paused_until) if result.paused_until else "resumed"
        click.echo(f"  paused until   {until}")
    click.echo(f"  last frame     {_age(result.last_frame_at)}")
    click.echo(f"  last tick      {_age(result.last_tick_at)}")
    if result.idle_seconds is not None:
        click.echo(f"  idle           {result.idle_seconds / 60:.1f} min without input")
    click.echo(
        f"  OCR backlog    {result.ocr_backlog} frames"
        + (f" (oldest {_age(result.ocr_oldest_at)})" if result.ocr_backlog else "")
    )
    if result.ocr_error:
        click.secho(f"  OCR cannot run  {result.ocr_error} Frames wait until it can.", fg="red")
    agent = result.agent_backlog
    click.echo(
        f"  agent backlog  {agent['pending']} waiting, {agent['working']} in work, "
        f"{agent['failed']} failed"
    )
    if result.current:
        click.echo(
            f"  in front       {result.current['app']}: {render.clip(result.current['title'], 60)}"
        )
    click.echo(f"  rules          {result.rules} exclusions (`memloci capture exclude list`)")
    if result.retained_frames:
        click.echo(
            f"  frames kept    {result.retained_frames} ({result.retained_bytes / 1e6:.1f} MB)"
        )
    click.echo(f"  display        {result.platform}")
    if result.stalled:
        click.secho("  STALLED:", fg="red", bold=True)
        for reason in result.stall_reasons:
            click.secho(f"    - {reason}", fg="red")


@capture.group()
def exclude() -> None:
    """Windows that are never captured (by app, title or address)."""


@exclude.command("add")
@click.option("--app", "app_name", metavar="NAME", help="Application (WM_CLASS or process), glob.")
@click.option("--title", metavar="GLOB", help="Window title, e.g. '*bank*'.")
@click.option("--url", metavar="GLOB", help="Page address, e.g. '*.mybank.com/*'.")
@click.option("--note", default="", help="Why (shown in the list).")
@json_option
@pass_session
def exclude_add(
    session: Any, app_name: str | None, title: str | None, url: str | None, note: str, as_json: bool
) -> None:
    """Add an exclusion rule (one of --app, --title, --url)."""
    given = [
        (k, v) for k, v in (("app", app_name), ("title", title), ("url", url)) if v is not None
    ]
    if len(given) != 1:
        raise InvalidInput("Give exactly one of --app NAME, --title GLOB or --url GLOB.")
    rule = session.open().capture.exclude(given[0][0], given[0][1], note)
    if as_json:
        render.emit_json(rule.to_dict())
        return
    click.echo(f"Rule {rule.id}: never capture when the {rule.describe()}.")


@exclude.command("list")
@json_option
@pass_session
def exclude_list(session: Any, as_json: bool) -> None:
    """List exclusion rules (defaults and yours)."""
    rules = session.open().capture.rules()
    if as_json:
        render.emit_json([r.to_dict() for r in rules])
        return
    render.table(
        [(str(r.id), r.kind, r.pattern, r.origin, r.note) for r in rules],
        ("ID", "KIND", "PATTERN", "FROM", "NOTE"),
    )


@exclude.command("remove")
@click.argument("rule_id", type=int)
@pass_session
def exclude_remove(session: Any, rule_id: int) -> None:
    """Remove an exclusion rule by its id (see `exclude list`)."""
    rule = session.open().capture.unexclude(rule_id)
    click.echo(f"Removed rule {rule.id} ({rule.kind} {rule.pattern!r}).")


@capture.command()
@click.option("--app", "app_name", metavar="NAME", help="Application name or WM_CLASS.")
@click.option("--title", default="", help="Window title.")
@click.option("--url", default="", help="Page address.")
@json_option
@pass_session
def check(session: Any, app_name: str | None, title: str, url: str, as_json: bool) -> None:
    """Would a window be captured? Without options: the window in front now."""
    from app.capture.context import WindowContext

    memloci = session.open()
    if app_name is None and not title and not url:
        from app.capture.detect import capture_platform
        from app.capture.platforms import PlatformUnavailable

        try:  # the window as capture sees it (X11 or Wayland, the address from the browser)
            platform = capture_platform(memloci.settings.capture)
            context = platform.active_window()
            platform.close()
        except PlatformUnavailable as error:
            raise InvalidInput(
                f"{error} Give --app/--title/--url to check a rule instead."
            ) from None
    else:
        context = WindowContext.of(app=app_name or "", title=title, url=url)
    allowed, why = memloci.capture.would_capture(context)
    if as_json:
        render.emit_json(
            {"capture": allowed, "reason": why, "window": context.to_dict() if context else None}
        )
        return
    if context is not None:
        click.echo(
            f"{context.app}: {render.clip(context.title, 70)}"
            + (f" <{context.url}>" if context.url else "")
        )
    click.echo(("Would be captured: " if allowed else "Would NOT be captured: ") + why)


@capture.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@json_option
@pass_session
def sessions(session: Any, limit: int, as_json: bool) -> None:
    """Recent activity sessions (each is one episodic memory)."""
    rows = session.open().capture.sessions(limit)
    if as_json:
        render.emit_json(rows)
        return
    if not rows:
        click.echo("No capture sessions yet.")
        return
    render.table(
        [
            (
                r["id"][:8],
                (r["memory_id"] or "-")[:8],
                render.local(from_iso(r["started_at"])),
                f"{r['minutes']:.0f} min",
                r["status"],
                f"{r['app']}: {r['title']}",
            )
            for r in rows
        ],
        ("SESSION", "MEMORY", "START", "LENGTH", "STATE", "WINDOW"),
    )


@capture.command()
@click.argument("session_id", required=False)
@json_option
@pass_session
def frames(session: Any, session_id: str | None, as_json: bool) -> None:
    """Retained frames (only with capture.retain_frames on), newest first."""
    items = session.open().capture.frames(session_id)
    if as_json:
        render.emit_json([f.to_dict() for f in items])
        return
    if not items:
        click.echo(
            "No retained frames (turn on with `memloci config set capture.retain_frames true`)."
        )
        return
    render.table(
        [
            (
                f.id,
                f.session_id[:8],
                render.local(f.taken_at),
                f"{f.width}x{f.height}",
                f"{f.bytes / 1e3:.0f} kB",
            )
            for f in items
        ],
        ("FRAME", "SESSION", "TAKEN", "SIZE", "STORED"),
    )


@capture.command()
@click.argument("frame_id")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_session
def frame(session: Any, frame_id: str, out_path: Path) -> None:
    """Write one retained frame, decrypted, to a WebP file you choose."""
    from app.security.keys import write_atomic

    data = session.open().capture.frame(frame_id)
    try:
        write_atomic(out_path.expanduser(), data)  # 0600: a picture of the person's screen
    except OSError as error:
        raise InvalidInput(f"Cannot write {out_path}: {error.strerror or error}.") from None
    click.echo(f"Wrote {out_path} ({len(data) / 1e3:.0f} kB).")


COMMANDS = [capture]
