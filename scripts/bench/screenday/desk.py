"""The desktop a scripted day plays on: Xvfb with openbox, xterm running a shell whose commands
print scripted output, Chromium driven by real key presses, Tk editor and viewer windows.

Everything a person would do goes through XTEST (xdotool): typing, keys, the pointer. What a
window shows is known from a model of it (the terminal's lines, the editor's text) or, for
Chromium, read over the DevTools protocol: which tab is visible and which fact's text lies
inside the viewport.
"""

from __future__ import annotations

import contextlib
import json
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
from tests.integration.cdp import Browser as Cdp
from tests.integration.cdp import Page
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


def _stop(process: subprocess.Popen[Any] | None) -> None:
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
        _stop(self.process)


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


# -- Chromium ----------------------------------------------------------------------------------
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--disable-smooth-scrolling",
    "--password-store=basic",
    "--test-type",  # no "unsupported command-line flag" bar over the page
    "--start-maximized",
    "--remote-debugging-port=0",
)

# Which facts lie wholly inside the viewport of the visible tab (null when it is hidden).
VISIBLE_JS = r"""
((facts) => {
  if (document.visibilityState !== 'visible' || !document.body) return null;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const seen = [];
  for (const [id, display] of facts) {
    for (const node of nodes) {
      const at = node.data.indexOf(display);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + display.length);
      const r = range.getBoundingClientRect();
      if (r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight
          && r.left >= 0 && r.right <= window.innerWidth) { seen.push(id); break; }
    }
  }
  return seen;
})
"""


class Browser:
    """Chromium in a maximized window. Pages are opened by typing their address; tabs are
    switched and pages scrolled with keys. The DevTools connection only reads."""

    name = "chromium"

    def __init__(self, desk: Desktop, start: Path) -> None:
        self.desk, self.start = desk, start
        self.profile = desk.root / "chromium-profile"
        self.process: subprocess.Popen[bytes] | None = None
        self.cdp: Cdp | None = None
        self.pages: dict[str, Page] = {}  # target id -> attached session
        self.window_id = ""
        desk.windows.append(self)

    def launch(self) -> None:
        env = {k: v for k, v in self.desk.env().items() if not k.lower().endswith("_proxy")}
        self.process = subprocess.Popen(
            ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", self.start.as_uri()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not start")
            time.sleep(0.2)
        port, path = port_file.read_text().splitlines()[:2]
        self.cdp = Cdp(self.process, f"ws://127.0.0.1:{port}{path}")
        self._attach(self.start.as_uri())
        found = self.desk.xdotool("search", "--sync", "--onlyvisible", "--class", "chromium")
        self.window_id = found.split()[-1]
        time.sleep(1)

    def _attach(self, url: str, timeout: float = 30) -> Page:
        assert self.cdp is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for target in self.cdp.targets():
                if target["type"] == "page" and target["url"] == url:
                    ident = target["targetId"]
                    if ident not in self.pages:
                        params = {"targetId": ident, "flatten": True}
                        session = self.cdp.send("Target.attachToTarget", params)["sessionId"]
                        self.pages[ident] = Page(self.cdp, session)
                    page = self.pages[ident]
                    page.wait_for(
                        f"location.href === {json.dumps(url)} && document.readyState === 'complete'"
                    )
                    return page
            time.sleep(0.2)
        raise TimeoutError(f"Chromium did not open {url}")

    def open(self, page: Path, new_tab: bool = False) -> Action:
        """Type the page's address into the address bar (of a new tab) and press Return."""

        def act() -> None:
            if new_tab:
                self.desk.key("ctrl+t")
                time.sleep(0.6)
            self.desk.key("ctrl+l")  # the new tab page keeps the focus from the address bar
            time.sleep(0.3)
            self.desk.type(page.as_uri(), 12)
            self.desk.key("Return")
            self._attach(page.as_uri())

        return act

    def tab(self, number: int) -> Action:
        return lambda: self.desk.key(f"ctrl+{number}")

    def scroll(self, pages: int = 0, lines: int = 0) -> Action:
        """Page Down `pages` times, then the down arrow `lines` times (about 40 px each)."""

        def act() -> None:
            keys = ["Next"] * pages + ["Down"] * lines
            if keys:
                self.desk.key(*keys)

        return act

    def press(self, key: str) -> Action:
        """A key for the page itself (a web app's shortcut)."""
        return lambda: self.desk.key(key)

    def _visible_page(self) -> tuple[Page, list[str]] | None:
        for page in list(self.pages.values()):
            with contextlib.suppress(Exception):
                state = page.eval("[document.visibilityState, document.title]")
                if state and state[0] == "visible":
                    return page, state
        return None

    def activate(self) -> None:
        self.desk.activate(self.window_id)

    def title(self) -> str:
        found = self._visible_page()
        return f"{found[1][1]} - Chromium" if found else "Chromium"

    def visible(self, facts: Iterable[Fact]) -> set[str]:
        found = self._visible_page()
        if found is None:
            return set()
        pairs = json.dumps([[f.id, f.display.split("…")[0].strip()] for f in facts])
        return set(found[0].eval(f"{VISIBLE_JS}({pairs})") or [])

    def close(self) -> None:
        if self.cdp is not None:
            with contextlib.suppress(Exception):
                self.cdp.send("Browser.close")
            with contextlib.suppress(Exception):
                self.cdp.ws.close()
        _stop(self.process)
