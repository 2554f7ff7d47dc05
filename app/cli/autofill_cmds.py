"""Autofill from the command line: `memloci autofill`, `memloci prompt-context`, `memloci serve`.

The CLI is the person themselves, so vault values are shown masked unless `--reveal` (high
sensitivity asks the passphrase), like `memloci show`. Values printed are logged as disclosed to
the terminal, since they may be piped on to another program.
"""

from __future__ import annotations

import importlib.util
import os
import select
import signal
import sys
import threading
from typing import Any

import click

from app.cli import pass_session, render
from app.cli.memory_cmds import json_option, read_text_file
from app.errors import InvalidInput

TERMINAL = "terminal"


def _page(context: str | None) -> Any:
    from app.autofill.suggest import PageContext

    if not context:
        return None
    text = context.strip()
    looks_like_url = "://" in text or (" " not in text and "." in text)
    return PageContext(url=text) if looks_like_url else PageContext(title=text)


class _LabelOrCommand(click.Group):
    """`memloci autofill "FIELD LABEL"` fills; `memloci autofill log` lists the log."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        return "fill", self.commands["fill"], args


@click.group(
    cls=_LabelOrCommand,
    invoke_without_command=False,
    context_settings={"ignore_unknown_options": True},
)
def autofill() -> None:
    """Values from your memory for a form field, and the log of values handed out.

    \b
    memloci autofill "FIELD LABEL" [--context "window title or URL"] [--json] [--reveal]
    memloci autofill log [--limit N] [--json]
    memloci autofill sites [--allow SITE] [--remove SITE] [--json]

    \b
    Examples:
      memloci autofill "Shipping address"
      memloci autofill "E-mail" --context https://shop.example/checkout --json
      memloci autofill "Passport number" --reveal
    """


@autofill.command(name="fill", hidden=True)
@click.argument("label")
@click.option("--context", help="The window title or URL the field is on.")
@click.option("--reveal", is_flag=True, help="Show vault values (high sensitivity asks first).")
@click.option("--limit", "-k", type=click.IntRange(1, 10), help="Suggestions to show.")
@json_option
@pass_session
def fill(
    session: Any, label: str, context: str | None, reveal: bool, limit: int | None, as_json: bool
) -> None:
    """Suggestions for one field LABEL."""
    from app.autofill.disclosures import Recipient
    from app.autofill.fields import FieldSpec

    if not label.strip():
        raise InvalidInput('Give the field label, e.g. memloci autofill "Postal code".')
    memloci = session.open()
    page = _page(context)
    result = memloci.autofill.suggest([FieldSpec(label=label)], page)[0]
    suggestions = list(result.suggestions)[: limit or None]
    recipient = Recipient("cli", TERMINAL, page.describe() if page else "")
    values: list[str | None] = []
    passphrase: str | None = None
    for s in suggestions:
        if not s.sealed:
            values.append(s.value)
        elif reveal:
            if s.sensitivity == "high" and passphrase is None:
                passphrase = _passphrase()
            values.append(memloci.autofill.reveal(s.memory.id, recipient, label, passphrase))
        else:
            values.append(None)
    plain = [s.memory for s in suggestions if not s.sealed]
    if plain:
        memloci.autofill.record(recipient, label, plain)
    if as_json:
        items = []
        for s, value in zip(suggestions, values, strict=True):
            items.append({**s.to_dict(), "value": value})
        render.emit_json(
            {"field": label, "key": result.match.key, "via": result.match.via, "suggestions": items}
        )
        return
    _print_suggestions(label, result.match, suggestions, values)


def _print_suggestions(label: str, match: Any, suggestions: list[Any], values: list[Any]) -> None:
    from app.memory.vault import MASK

    what = f"{match.key}, from the {match.via}" if match.key else "free text, by search"
    click.secho(f"{label}  ({what})", bold=True)
    if not suggestions:
        click.echo("  Nothing in your memory answers this field.")
        return
    hidden = False
    for n, (s, value) in enumerate(zip(suggestions, values, strict=True), 1):
        shown = value if value is not None else MASK
        hidden |= value is None
        level = f" · {s.sensitivity}" if s.memory.type.value == "vault" else ""
        click.echo(f"  {n}. {render.clip(shown, 60)}")
        click.echo(
            f"     {s.memory.id[:8]} {s.memory.type.value} · {render.clip(s.memory.title, 40)}"
            f"{level} · {s.confidence:.0%}"
        )
    if hidden:
        click.echo("  (vault values are masked; add --reveal to show them)")


def _passphrase() -> str:
    from app.security.unlock import env_passphrase

    given = env_passphrase()
    if given:
        return given
    if not sys.stdin.isatty():
        raise InvalidInput("A high-sensitivity value needs the passphrase (MEMLOCI_PASSPHRASE).")
    return str(click.prompt("Passphrase (high-sensitivity value)", hide_input=True, err=True))


@autofill.command(name="log")
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@json_option
@pass_session
def log_(session: Any, limit: int, offset: int, as_json: bool) -> None:
    """Values handed out (or withheld): what memory, to whom, for what, when."""
    rows = session.open().autofill.disclosures(limit=limit, offset=offset)
    if as_json:
        render.emit_json([r.to_dict() for r in rows])
        return
    if not rows:
        click.echo("Nothing has been handed out yet.")
        return
    table = [
        (
            render.local(r.at),
            r.outcome if r.outcome == "disclosed" else f"withheld ({r.approval})",
            r.recipient + (f" @ {r.page}" if r.page else ""),
            r.purpose,
            f"{(r.memory_id or '-')[:8]} {r.title or '(forgotten)'}"
            + (f" [{r.sensitivity}]" if r.sensitivity != "none" else ""),
        )
        for r in rows
    ]
    render.table(table, ("WHEN", "OUTCOME", "TO", "FOR", "MEMORY"))


@autofill.command(name="sites")
@click.option("--allow", multiple=True, metavar="SITE", help="Allow free text on SITE.")
@click.option("--remove", multiple=True, metavar="SITE", help="Take SITE off the list.")
@json_option
@pass_session
def sites(session: Any, allow: tuple[str, ...], remove: tuple[str, ...], as_json: bool) -> None:
    """Sites where the browser extension may fill fields of no known kind (free text).

    Elsewhere a browser gets only the kinds of field Memloci knows (name, e-mail, address,
    passport, ...): a web page chooses its fields' labels, so a label is no query into your
    memory. On a site listed here (and its subdomains), a field such as "Gym locker code" is
    answered from the memories and vault entries that match its words; vault values still ask
    you first. A running `memloci serve` or desktop app sees the change at once.

    \b
    memloci autofill sites                          list them
    memloci autofill sites --allow gym.example      allow one
    memloci autofill sites --remove gym.example     take one off
    """
    from app.autofill.browser import site_of
    from app.paths import Paths
    from app.settings import Settings

    paths = Paths.resolve(session.home)
    settings = Settings.load(paths.settings_file)
    listed = set(settings.autofill.free_text_sites)
    if allow or remove:
        gone = {site_of(site) for site in remove}
        missing = gone - listed
        if missing:
            raise InvalidInput(f"{', '.join(sorted(missing))} is not on the list.")
        listed = (listed | {site_of(site) for site in allow}) - gone
        settings = settings.with_value("autofill.free_text_sites", sorted(listed))
        paths.ensure()
        settings.save(paths.settings_file)
    chosen = settings.autofill.free_text_sites
    if as_json:
        render.emit_json(chosen)
    elif chosen:
        click.echo("Free-text fields are answered in the browser on:")
        for site in chosen:
            click.echo(f"  {site} (and its subdomains)")
    else:
        click.echo("No site: the browser gets only the kinds of field Memloci knows.")


@click.command(name="prompt-context")
@click.argument("text")
@click.option("--max-chars", type=click.IntRange(200, 20_000), help="Size of the block.")
@json_option
@pass_session
def prompt_context(session: Any, text: str, max_chars: int | None, as_json: bool) -> None:
    """A cited block of relevant memories (no secrets) to paste into any AI chat.

    TEXT is the prompt you are about to send ('-' reads it from standard input).
    """
    from app.autofill.disclosures import Recipient

    if text == "-":
        text = read_text_file("-")
    result = session.open().autofill.prompt_context(
        text, max_chars=max_chars, recipient=Recipient("cli", TERMINAL)
    )
    if as_json:
        render.emit_json(result.to_dict())
    elif result.text:
        click.echo(result.text)
    else:
        click.echo("Nothing in your memory is relevant to this text.", err=True)


class TerminalApprover:
    """Asks on the terminal where `memloci serve` runs; no answer in time means no."""

    def approve(self, request: Any) -> Any:
        from app.autofill.approval import Decision

        click.echo(f"\n{request.recipient} asks for", err=True)
        for item in request.items:
            click.echo(f"  - {item.caption} ({item.sensitivity}) for {item.field!r}", err=True)
        if request.page:
            click.echo(f"  on {request.page}", err=True)
        click.echo(f"Allow? [y/N] ({int(request.timeout_s)} s) ", err=True, nl=False)
        ready, _, _ = select.select([sys.stdin], [], [], request.timeout_s)
        if not ready:
            click.echo("\nNo answer: refused.", err=True)
            return Decision.deny("timeout")
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return Decision.deny("denied")
        passphrase = None
        if request.needs_passphrase:
            passphrase = click.prompt("Passphrase", hide_input=True, err=True)
        return Decision(frozenset(i.memory_id for i in request.items), passphrase)


def _desktop_possible() -> bool:
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    return bool(display) and importlib.util.find_spec("PySide6") is not None


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), help="Port on 127.0.0.1 (0: any free).")
@click.option("--show-token", is_flag=True, help="Print the API token (to paste once).")
@click.option("--new-token", is_flag=True, help="Replace the token; the old one stops working.")
@click.option(
    "--approve",
    type=click.Choice(["auto", "desktop", "terminal", "never"]),
    default="auto",
    show_default=True,
    help="How to ask before medium/high vault values leave (auto: a desktop dialog when a "
    "display is available, else this terminal, else never).",
)
@pass_session
def serve(session: Any, port: int | None, show_token: bool, new_token: bool, approve: str) -> None:
    """Serve the local API on 127.0.0.1 for the browser extension and other programs.

    \b
    POST /v1/autofill   {"page": {"url", "title"}, "fields": [{"label", "name", "type",
                         "placeholder", "autocomplete"}]}
    POST /v1/search     {"query", "types", "limit", "since", "until"}
    POST /v1/ask        {"question", "record"}
    POST /v1/prompt-context {"text", "max_chars"}
    GET  /v1/status
    Every request needs 'Authorization: Bearer TOKEN'.
    /mcp                MCP (Streamable HTTP) for AI assistants; each needs a token of its
                         own: `memloci clients add NAME`.
    """
    from app.api.server import ApiServer
    from app.mcp.http import McpOverHttp  # the API stack: only for `memloci serve`

    memloci = session.open()
    token = memloci.api_token(rotate=new_token)
    server = ApiServer(memloci, port=port, extensions=[McpOverHttp(memloci)])
    if show_token or new_token:
        click.echo(f"Token: {token}")
        click.echo("Paste it into the Memloci extension's options; keep it private.", err=True)
    if approve == "auto":
        approve = (
            "desktop" if _desktop_possible() else "terminal" if sys.stdin.isatty() else "never"
        )
    click.echo(
        f"Memloci local API on {server.url} (approvals: {approve}); Ctrl+C stops it.", err=True
    )
    if approve == "desktop":
        from app.ui.approval import serve_with_dialogs

        serve_with_dialogs(memloci, server)
        return
    memloci.autofill.set_approver(TerminalApprover() if approve == "terminal" else None)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)


COMMANDS = [autofill, prompt_context, serve]
