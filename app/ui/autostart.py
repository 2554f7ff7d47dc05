"""Start at login: an XDG autostart entry (~/.config/autostart/memloci.desktop) that starts the
app in the tray. Qt-free, so it is tested without a display.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

FILE_NAME = "memloci.desktop"


def autostart_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart"


def entry_path() -> Path:
    return autostart_dir() / FILE_NAME


def _quote(arg: str) -> str:
    """Desktop Entry Exec quoting: double quotes around arguments with reserved characters."""
    if arg and all(c.isalnum() or c in "-_./=:+,@" for c in arg):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


def command(home: str | None = None) -> list[str]:
    """How to start Memloci minimised to the tray, with this installation's Python."""
    script = Path(sys.executable).with_name("memloci")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "app"]
    if home:
        argv = ["env", f"MEMLOCI_HOME={home}", *argv]
    return [*argv, "gui", "--minimized"]


def entry(home: str | None = None) -> str:
    exec_line = " ".join(_quote(a).replace("%", "%%") for a in command(home))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Memloci\n"
        "Comment=Remembers your digital life, encrypted, on this machine\n"
        f"Exec={exec_line}\n"
        "Icon=memloci\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "X-GNOME-Autostart-enabled=true\n"
        "X-GNOME-Autostart-Delay=10\n"
    )


def icon_path() -> Path:
    """Where the desktop looks for the entry's `Icon=memloci` (the hicolor theme, per user)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "icons" / "hicolor" / "256x256" / "apps" / "memloci.png"


def is_enabled() -> bool:
    return entry_path().is_file()


def enable(home: str | None = None) -> Path:
    path = entry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(entry(home), encoding="utf-8")
    os.replace(tmp, path)
    return path


def disable() -> None:
    entry_path().unlink(missing_ok=True)


def describe() -> str:
    return shlex.join(command())
