"""`memloci`: the command-line twin of every action in the app.

Each command opens the facade, calls one method and prints the result (a table for people,
`--json` for programs). Errors print one line and exit non-zero; tracebacks go to the log.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from app import __version__
from app.errors import MemlociError

log = logging.getLogger("app.cli")


class Session:
    """Opens the store on first use, once per command, and closes it at exit."""

    def __init__(self, home: str | None) -> None:
        self.home = home
        self._memloci: Any = None

    def open(self, create: bool = False) -> Any:
        if self._memloci is None:
            from app.core import Memloci

            self._memloci = Memloci.open(self.home, prompt=terminal_prompt, create=create)
        return self._memloci

    def close(self) -> None:
        if self._memloci is not None:
            self._memloci.close()
            self._memloci = None


def terminal_prompt_available() -> bool:
    return sys.stdin.isatty()


def _ask(message: str, confirm: bool) -> str:
    return click.prompt(message, hide_input=True, confirmation_prompt=confirm, err=True)


def _prompt(message: str, confirm: bool) -> str:
    if not terminal_prompt_available():
        from app.security.unlock import require

        return require(None, message, confirm)
    return _ask(message, confirm)


terminal_prompt: Callable[[str, bool], str] = _prompt


pass_session = click.make_pass_decorator(Session)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="memloci")
@click.option(
    "--home",
    envvar="MEMLOCI_HOME",
    type=click.Path(file_okay=False),
    help="Keep every Memloci folder under this path (default: the platform's folders).",
)
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """Memloci remembers your digital life, encrypted, on your machine.

    \b
    Start with:   memloci init            (choose a passphrase)
    Remember:     memloci add "Met Ana at the library" --type episodic
    Find:         memloci search "Ana library"
    Check:        memloci doctor
    """
    from app.privacy import keep_local
    from app.security.hardening import protect_process, take_secret_env

    keep_local()  # every command: before anything loads onnxruntime, Chroma or llama.cpp
    take_secret_env()  # before any child process: gcc/ld, tesseract, xdotool, Qt probes
    protect_process()
    # Files that libraries create for us (SQLite journals, Chroma, Qt, onnxruntime) are private
    # too; Memloci's own files are created 0600 explicitly. Restored when the command ends.
    umask = os.umask(0o077)
    ctx.call_on_close(lambda: os.umask(umask))
    session = Session(home)
    ctx.obj = session
    ctx.call_on_close(session.close)


def _register() -> None:
    """Every `app/cli/*_cmds.py` module contributes its `COMMANDS` list."""
    import importlib
    import pkgutil

    import app.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.endswith("_cmds"):
            module = importlib.import_module(f"app.cli.{info.name}")
            for command in module.COMMANDS:
                cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line errors, non-zero exit codes, tracebacks to the log."""
    try:
        cli.main(args=argv, prog_name="memloci", standalone_mode=False)
    except MemlociError as error:
        click.echo(f"memloci: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("memloci: cancelled.", err=True)
        sys.exit(130)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx else "memloci"
        click.echo(f"memloci: {error.format_message()} (see `{where} --help`)", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"memloci: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except KeyboardInterrupt:
        click.echo("memloci: interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as error:
        log.exception("unexpected error")
        click.echo(
            f"memloci: unexpected error ({error.__class__.__name__}); details are in the log "
            "(see `memloci doctor` for its path).",
            err=True,
        )
        sys.exit(70)
    sys.exit(0)
