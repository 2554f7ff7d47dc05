"""The desktop a scripted day plays on: Xvfb with openbox, xterm running a shell whose commands
print scripted output, Tk editor and viewer windows (Chromium is in `browser`).

Everything a person would do goes through XTEST (xdotool): typing, keys, the pointer. What a
window shows is known from a model of it: the terminal's lines, the editor's text.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from screenday.model import Fact, facts_in
from tests.xdesk import TkWindow, XServer

Action = Callable[[], None]


def missing_tools() -> list[str]:
    needed = ("Xvfb", "xdotool", "xprop", "openbox", "xterm", "less", "chromium", "tesseract")
    return [tool for tool in needed if shutil.which(tool) is None]


class Desktop:
    """Xvfb and openbox; the windows are added by the day and started by `launch`."""

    def __init__(self, root: Path, width: int = 1920, height: int = 1080) -> None:
        self.root = root
        self.server = XServer(width, height)
        self.windows: list[Any] = []
        self.wm = subprocess.Popen(
            ["openbox", "--sm-disable"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while "window id" not in self._xprop_root("_NET_SUPPORTING_WM_CHECK"):
            if time.monotonic() > deadline or self.wm.poll() is not None:
                self.close()
                raise RuntimeError("openbox did not start")
            time.sleep(0.1)
        self._no_autorepeat()

    def _no_autorepeat(self) -> None:
        """Key autorepeat off: on a loaded machine a key release sent late by xdotool made the
        X server repeat the key ("leeeeeeeeess docs/..."), so the day typed what it did not
        script and the facts it counted as shown never were."""
        from Xlib import X, display

        connection = display.Display(self.server.display)
        try:
            connection.change_keyboard_control(auto_repeat_mode=X.AutoRepeatModeOff)
            connection.sync()
        finally:
            connection.close()

    def _xprop_root(self, atom: str) -> str:
        result = subprocess.run(
            ["xprop", "-root", atom], env=self.env(), capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def env(self) -> dict[str, str]:
        env = self.server.env()
        for name in ("XDG_SESSION_ID", "XDG_SESSION_TYPE"):
            env.pop(name, None)
        return env

    def xdotool(self, *args: str) -> str:
        return self.server.xdotool(*args)

    def activate(self, window_id: str) -> None:
        """Bring a window to the front and move the pointer onto it, as a click would."""
        self.xdotool("windowactivate", "--sync", window_id)
        self.xdotool("mousemove", "--window", window_id, "300", "200")

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "60", *keys)

    def type(self, text: str, delay_ms: int = 45) -> None:
        self.xdotool("type", "--delay", str(delay_ms), text)

    def launch(self) -> None:
        for window in self.windows:
            window.launch()

    def active_geometry(self) -> list[int]:
        """The window in front: left, top, width, height (its client area, as capture grabs)."""
        out = self.xdotool("getactivewindow", "getwindowgeometry", "--shell")
        values = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return [int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT")]

    def screenshot(self, path: Path) -> None:
        code = "import mss, sys; mss.MSS().shot(output=sys.argv[1])"
        subprocess.run(
            [sys.executable, "-c", code, str(path)], env=self.env(), timeout=30, check=True
        )

    def close(self) -> None:
        for window in reversed(self.windows):
            with contextlib.suppress(Exception):
                window.close()
        self.wm.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.wm.wait(5)
        self.server.stop()


def stop(process: subprocess.Popen[Any] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


# -- xterm ----------------------------------------------------------------------------------------
RC = r"""
PS1={prompt}
_TITLE={title}
PROMPT_COMMAND='printf "\033]0;%s\007" "$_TITLE"'
HISTFILE=/dev/null
LESSHISTFILE=-
unset LESS LESSOPEN
_canned() {{
  local f; f="{canned}/$(printf '%s' "$*" | tr -c 'A-Za-z0-9' '_')"
  [ -f "$f.delay" ] && sleep "$(cat "$f.delay")"
  cat "$f"
}}
{functions}
cd {cwd}
"""


def canned_name(command: str) -> str:
    """The file a command line's scripted output is kept in: its words as the shell passes
    them (quotes removed), as the rc file's `_canned` names it."""
    return re.sub(r"[^A-Za-z0-9]", "_", " ".join(shlex.split(command)))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


class Terminal:
    """An xterm with bash. Commands registered with `output` print their scripted text (a
    shell function per command name); `less`, `clear` and the rest are the real programs."""

    def __init__(
        self,
        desk: Desktop,
        name: str,
        user_host: str,
        cwd: Path,
        *,
        cols: int = 120,
        rows: int = 40,
        position: tuple[int, int] = (80, 60),
        dark: bool = False,
    ) -> None:
        self.desk, self.name, self.cwd = desk, name, cwd
        self.user_host, self.cols, self.rows = user_host, cols, rows
        self.position, self.dark = position, dark
        self.home_label = "~/" + cwd.name
        self.prompt = f"{user_host}:{self.home_label}$ "
        self.canned = desk.root / f"canned-{name}"
        self.canned.mkdir(parents=True, exist_ok=True)
        self.commands: set[str] = set()
        self.lines: list[str] = [self.prompt]
        self.pager: list[str] | None = None  # the file `less` shows, while it runs
        self.top = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.window_id = ""
        desk.windows.append(self)

    # -- what the day scripts --------------------------------------------------------------------
    def output(self, command: str, text: str, delay: float = 0.4) -> None:
        """What `command` prints (after `delay` seconds, as if it worked)."""
        self.commands.add(command.split()[0])
        path = self.canned / canned_name(command)
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        path.with_name(path.name + ".delay").write_text(f"{delay}\n")

    def run(self, command: str, delay_ms: int = 60) -> Action:
        """Type a command (registered with `output`, or a real one) and press Return."""

        def act() -> None:
            self.desk.type(command, delay_ms)
            self._submit(command)

        return act

    def type_slowly(self, command: str, delay_ms: int = 180) -> Action:
        """Type without pressing Return (the person is still composing it)."""

        def act() -> None:
            self.desk.type(command, delay_ms)
            self.lines[-1] += command

        return act

    def enter(self) -> Action:
        """Return after `type_slowly`."""
        return lambda: self._submit(self.lines[-1][len(self.prompt) :])

    def _submit(self, command: str) -> None:
        self.desk.key("Return")
        path = self.canned / canned_name(command)
        pause, printed = 0.4, []
        if path.exists():
            pause += float(path.with_name(path.name + ".delay").read_text())
            printed = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
        time.sleep(pause)
        self.lines[-1] = self.prompt + command
        self.lines.extend(printed)
        self.lines.append(self.prompt)

    def clear(self) -> Action:
        def act() -> None:
            self.desk.type("clear", 60)
            self.desk.key("Return")
            time.sleep(0.3)
            self.lines = [self.prompt]

        return act

    def less(self, relative: str) -> Action:
        """`less FILE`: the file's first screen, then `page` and `quit`."""

        def act() -> None:
            self.desk.type(f"less {relative}", 60)
            self.desk.key("Return")
            time.sleep(0.5)
            self.lines[-1] = self.prompt + f"less {relative}"
            self.lines.append(self.prompt)  # shown again when less quits
            text = (self.cwd / relative).read_text(encoding="utf-8")
            self.pager, self.top = text.rstrip("\n").split("\n"), 0

        return act

    def page(self) -> Action:
        def act() -> None:
            assert self.pager is not None, "page() outside less"
            self.desk.key("space")
            step = self.rows - 1
            self.top = max(0, min(self.top + step, len(self.pager) - step))

        return act

    def quit(self) -> Action:
        def act() -> None:
            self.desk.key("q")
            self.pager = None

        return act

    # -- the window ---------------------------------------------------------------------------
    def launch(self) -> None:
        functions = "\n".join(f'{c}() {{ _canned {c} "$@"; }}' for c in sorted(self.commands))
        rc = self.desk.root / f"rc-{self.name}"
        rc.write_text(
            RC.format(
                prompt=_quote(self.prompt),
                title=_quote(f"{self.user_host}: {self.home_label}"),
                canned=self.canned,
                functions=functions,
                cwd=_quote(str(self.cwd)),
            ),
            encoding="utf-8",
        )
        colours = ["-bg", "#1e1f22", "-fg", "#d8d8d8"] if self.dark else []
        left, top = self.position
        self.process = subprocess.Popen(
            [
                "xterm",
                "-name",
                f"term_{self.name}",
                "-fa",
                "DejaVu Sans Mono",
                "-fs",
                "12",
                "-geometry",
                f"{self.cols}x{self.rows}+{left}+{top}",
                *colours,
                "-e",
                "bash",
                "--rcfile",
                str(rc),
                "-i",
            ],
            env={**self.desk.env(), "TERM": "xterm"},
        )
        found = self.desk.xdotool("search", "--sync", "--classname", f"term_{self.name}")
        self.window_id = found.split()[-1]
        time.sleep(0.5)

    def activate(self) -> None:
        self.desk.activate(self.window_id)

    def title(self) -> str:
        return f"{self.user_host}: {self.home_label}"

    def screen(self) -> list[str]:
        """The lines on screen now (long lines wrapped at the terminal's width)."""
        if self.pager is not None:
            return self.pager[self.top : self.top + self.rows - 1]
        wrapped: list[str] = []
        for line in self.lines:
            wrapped.extend(line[i : i + self.cols] for i in range(0, max(len(line), 1), self.cols))
        return wrapped[-self.rows :]

    def visible(self, facts: Iterable[Fact]) -> set[str]:
        return facts_in("\n".join(self.screen()), facts)

    def close(self) -> None:
        stop(self.process)


# -- Tk editor and viewer ----------------------------------------------------------------------
class Editor:
    """A text editor (or, with `steady` caret and `show`, a document viewer) window whose text
    fits it: everything in it is on screen."""

    def __init__(
        self,
        desk: Desktop,
        name: str,
        cls: str,
        title: str,
        text: str,
        *,
        geometry: str = "1300x860+300+80",
        size: int = 13,
        caret: str = "blink",
    ) -> None:
        self.desk, self.name, self.cls, self._title = desk, name, cls, title
        self.text, self.geometry, self.size, self.caret = text, geometry, size, caret
        self.window: TkWindow | None = None
        desk.windows.append(self)

    def launch(self) -> None:
        self.window = TkWindow(
            self.desk.server, self.cls, self._title, self.text, self.geometry, self.size, self.caret
        )
        time.sleep(0.3)

    def type(self, text: str, delay_ms: int = 110) -> Action:
        """Type at the end of the text, as a person writing."""

        def act() -> None:
            self.desk.key("ctrl+End")
            self.desk.type(text, delay_ms)
            self.text += text

        return act

    def show(self, text: str, title: str | None = None) -> Action:
        """Show other text (the viewer's next page)."""

        def act() -> None:
            assert self.window is not None
            self.window.send("replace", text)
            if title is not None:
                self.window.send("title", title)
                self._title = title
            self.text = text

        return act

    def activate(self) -> None:
        assert self.window is not None
        self.desk.activate(self.window.window_id)

    def title(self) -> str:
        return self._title

    def visible(self, facts: Iterable[Fact]) -> set[str]:
        return facts_in(self.text, facts)

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
