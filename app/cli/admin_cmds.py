"""Commands about the store itself: init, stats, doctor, passphrase, import-backup, reindex,
config (`export` is in export_cmds)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.memory_cmds import json_option
from app.errors import PassphraseRequired
from app.paths import Paths
from app.security.hardening import secret_env


def _new_passphrase(message: str) -> str:
    if not sys.stdin.isatty():
        raise PassphraseRequired(
            "Choosing a passphrase needs a terminal (or set MEMLOCI_PASSPHRASE / "
            "MEMLOCI_NEW_PASSPHRASE for scripts)."
        )
    return click.prompt(message, hide_input=True, confirmation_prompt=True, err=True)


@click.command()
@click.option(
    "--keyring",
    "use_keyring",
    is_flag=True,
    help="Also keep the key in the OS keyring, so Memloci opens without typing.",
)
@pass_session
def init(session: Any, use_keyring: bool) -> None:
    """Create your encrypted memory store (asks for a new passphrase)."""
    paths = Paths.resolve(session.home)
    if paths.keyfile.exists():
        click.echo(f"A memory store already exists in {paths.data}.")
        return
    memloci = session.open(create=True)
    if use_keyring:
        memloci.set_keyring(True)
    click.echo(f"Created an encrypted memory store in {paths.data}.")
    click.echo("Keep your passphrase safe: without it the memories cannot be read.")


@click.command()
@json_option
@pass_session
def stats(session: Any, as_json: bool) -> None:
    """How much is remembered, by type, and how big the store is."""
    result = session.open().stats()
    if as_json:
        render.emit_json(result.to_dict())
        return
    click.secho(f"{result.total} memories", bold=True)
    for name, count in result.by_type.items():
        click.echo(f"  {name:<12}{count:>8}")
    click.echo(f"  {'invalidated':<12}{result.invalidated:>8}")
    click.echo(f"History rows: {result.history_rows}")
    click.echo(f"Database: {result.database_bytes / 1e6:.2f} MB")
    click.echo(f"Span: {render.local(result.oldest)} to {render.local(result.newest)}")
    for key, value in result.extra.items():
        click.echo(f"{key}: {value}")


@click.command()
@json_option
@pass_session
def doctor(session: Any, as_json: bool) -> None:
    """Check this machine and the store, and say what to fix."""
    from app import doctor as checks

    paths = Paths.resolve(session.home)
    results = checks.run(paths)
    if as_json:
        render.emit_json([c.to_dict() for c in results])
    else:
        marks = {"ok": ("ok", "green"), "warn": ("!!", "yellow"), "fail": ("XX", "red")}
        for check in results:
            mark, colour = marks[check.status]
            click.echo(click.style(f"[{mark}] ", fg=colour) + f"{check.name:<16}{check.detail}")
            if check.fix:
                click.echo(f"{'':21}-> {check.fix}")
        failed = sum(c.status == "fail" for c in results)
        click.echo(f"\n{len(results)} checks, {failed} failed.")
    if any(c.status == "fail" for c in results):
        sys.exit(1)


@click.group()
def passphrase() -> None:
    """Change the passphrase, or keep the key in the OS keyring."""


@passphrase.command()
@click.option(
    "--new-key",
    is_flag=True,
    help="Also replace the data key: the whole store is encrypted again (close the app first).",
)
@json_option
@pass_session
def change(session: Any, new_key: bool, as_json: bool) -> None:
    """Change the passphrase. Every memory stays; only the key wrapping changes.

    With --new-key, a new random data key replaces the old one and everything is encrypted
    again under it, so a copy of the old keyfile with the old passphrase opens nothing new.
    The new passphrase may be the old one."""
    if not new_key:
        memloci = session.open()
        old = secret_env("MEMLOCI_PASSPHRASE") or memloci.passphrase_in_use
        old = old or _current_passphrase()
        new = secret_env("MEMLOCI_NEW_PASSPHRASE") or _new_passphrase("New passphrase")
        memloci.change_passphrase(old, new)
        click.echo("Passphrase changed. Every memory is unchanged.")
        return
    from app.core import Memloci

    old = secret_env("MEMLOCI_PASSPHRASE") or _current_passphrase()
    new = secret_env("MEMLOCI_NEW_PASSPHRASE") or _new_passphrase(
        "New passphrase (may be the current one)"
    )
    result = Memloci.replace_data_key(
        session.home,
        old,
        new,
        progress=None if as_json else (lambda step: click.echo(f"{step}…", err=True)),
    )
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(
        f"New data key in place: {result['memories']} memories, {result['secrets']} vault "
        f"secrets and {result['frames']} retained frames encrypted again in "
        f"{result['seconds']:.1f} s. The search index rebuilds the next time Memloci opens."
    )
    if result["frames_unreadable"]:
        click.echo(
            f"{result['frames_unreadable']} retained frames were already damaged and were "
            "left out (their text is in the memories).",
            err=True,
        )


def _current_passphrase() -> str:
    if not sys.stdin.isatty():
        raise PassphraseRequired("Give the current passphrase in MEMLOCI_PASSPHRASE.")
    return str(click.prompt("Current passphrase", hide_input=True, err=True))


@passphrase.command()
@click.argument("state", type=click.Choice(["on", "off"]))
@pass_session
def keyring(session: Any, state: str) -> None:
    """Keep the key in the OS keyring (on) or remove it from there (off)."""
    session.open().set_keyring(state == "on")
    click.echo(
        "The key is in the OS keyring."
        if state == "on"
        else "The key was removed from the OS keyring."
    )


def _backup_passphrase(memloci: Any, confirm: bool) -> str:
    given = secret_env("MEMLOCI_BACKUP_PASSPHRASE") or memloci.passphrase_in_use
    if given:
        return given
    if not sys.stdin.isatty():
        raise PassphraseRequired("Set MEMLOCI_BACKUP_PASSPHRASE for the backup's passphrase.")
    return click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm, err=True)


@click.command(name="import-backup")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@json_option
@pass_session
def import_backup(session: Any, path: str, as_json: bool) -> None:
    """Restore memories from an encrypted backup (merges; the newer copy of a memory wins)."""
    memloci = session.open(create=True)
    result = memloci.import_backup(path, _backup_passphrase(memloci, confirm=False))
    if as_json:
        render.emit_json(result)
    else:
        back = result.get("conversations_added", 0) + result.get("conversations_updated", 0)
        chats = f" {back} conversations with Memloci came back." if back else ""
        click.echo(
            f"Imported {result['added']} new and {result['updated']} newer memories; "
            f"{result['unchanged']} were already here.{chats}"
        )


@click.command()
@pass_session
def reindex(session: Any) -> None:
    """Rebuild the search indexes from the encrypted database."""
    count = session.open().reindex()
    click.echo(f"Reindexed {count} memories.")


@click.group()
def config() -> None:
    """Show or change settings (config/settings.toml)."""


@config.command(name="show")
@pass_session
def config_show(session: Any) -> None:
    """Print every setting as JSON."""
    from app.settings import Settings

    paths = Paths.resolve(session.home)
    render.emit_json(Settings.load(paths.settings_file).model_dump(mode="json"))


@config.command(name="get")
@click.argument("name")
@pass_session
def config_get(session: Any, name: str) -> None:
    """Print one setting, e.g. `memloci config get search.default_limit`."""
    from app.settings import Settings

    paths = Paths.resolve(session.home)
    render.emit_json(Settings.load(paths.settings_file).get_path(name))


@config.command(name="set")
@click.argument("name")
@click.argument("value")
@pass_session
def config_set(session: Any, name: str, value: str) -> None:
    """Change one setting; VALUE is read as JSON when it parses (numbers, true, lists); a list
    setting also takes comma-separated words ("Tomasz, Tomasz Wierzbicki")."""
    from app.settings import Settings

    paths = Paths.resolve(session.home)
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    current = Settings.load(paths.settings_file)
    if isinstance(current.get_path(name), list) and isinstance(parsed, str):
        parsed = [part.strip() for part in parsed.split(",") if part.strip()]
    settings = current.with_value(name, parsed)
    paths.ensure()
    settings.save(paths.settings_file)
    click.echo(f"{name} = {json.dumps(settings.get_path(name))}")


GUIDE = """
Memloci is ready. Use it from the command line (.venv/bin/memloci, or `python -m app`):

  memloci init                                   create your encrypted store
  memloci add "Lunch with Ana on Friday"         remember something (episodic by default)
  memloci add "Ana: my sister, in Porto" -t semantic -f name=Ana
  memloci search "Ana"                           find it again (--json for programs)
  memloci list -t semantic                       browse one type of memory
  memloci show ID / history ID / forget ID       inspect, trace and purge
  memloci forget --last 15m                      erase what was recorded lately (or --app ...)
  memloci export backup.mlb                      encrypted backup
  memloci export notes/ --format markdown        a note per memory (json, csv too)
  memloci doctor                                 check this machine

Set MEMLOCI_HOME to keep everything under one folder; MEMLOCI_PASSPHRASE for scripts.
"""


@click.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """What ./scripts/run starts: the desktop app, or without a display the check and a guide."""
    from app.cli.gui_cmds import display_problem, gui

    problem = display_problem(probe_qt=True)
    if problem is None:
        ctx.invoke(gui)
        return
    click.echo(f"The desktop app cannot start here: {problem}. Here is the command line instead.\n")
    try:
        ctx.invoke(doctor)
    except SystemExit:
        pass  # failed checks are already printed with their fixes
    click.echo(GUIDE)


# `export` (the encrypted backup and the open formats) is in export_cmds.
COMMANDS = [start, init, stats, doctor, passphrase, import_backup, reindex, config]
