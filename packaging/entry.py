"""Entry point of the frozen build: the `memloci` console script (every CLI command, and the
desktop app through `memloci gui` / `memloci start`).

A frozen binary is also the app's only "Python": the app runs `sys.executable -c CODE` (the Qt
probe behind `memloci start`) and the autostart entry falls back to `sys.executable -m app`, so
both forms are understood here. Started with no arguments as the windowed build (Windows'
MemlociApp.exe, macOS' Memloci.app) it opens the desktop app.
"""

from __future__ import annotations

import multiprocessing
import sys


def _run_code(code: str, argv: list[str]) -> None:
    """What `python -c CODE ARGS` does, for the app's own probes."""
    sys.argv = ["-c", *argv]
    exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})


def _windowed() -> bool:
    """The windowed executables: no console on Windows, inside an .app on macOS."""
    if sys.platform == "win32":
        return sys.stdout is None
    return sys.platform == "darwin" and ".app/Contents/MacOS/" in sys.executable


def main() -> None:
    from app.privacy import keep_local

    keep_local()  # again after the runtime hook: harmless, and covers a build without it
    multiprocessing.freeze_support()
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "-c":
        _run_code(args[1], args[2:])
        return
    if args[:2] == ["-m", "app"]:
        args = args[2:]
    if not args and _windowed():
        args = ["start"]
    from app.cli import main as cli_main

    cli_main(args)


if __name__ == "__main__":
    main()
