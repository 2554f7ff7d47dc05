"""Chromium on the scripted desktop: Debian's Chromium, headful, maximized, driven by real key
presses (the address bar, ctrl+t, ctrl+N, Page Down, a web app's shortcuts). The DevTools
connection only reads: which tab is visible and which fact's text lies wholly in the viewport.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from screenday.desk import Action, Desktop, stop
from screenday.model import Fact
from tests.integration.cdp import Browser as Cdp
from tests.integration.cdp import Page

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
# Which facts lie wholly inside the viewport of the visible tab (null when it is hidden): every
# part of a fact's display (split at "…") must be a visible piece of one text node.
VISIBLE_JS = r"""
((facts) => {
  if (document.visibilityState !== 'visible' || !document.body) return null;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const shown = (part) => nodes.some((node) => {
    const at = node.data.indexOf(part);
    if (at < 0) return false;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + part.length);
    const r = range.getBoundingClientRect();
    return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight
      && r.left >= 0 && r.right <= window.innerWidth;
  });
  return facts.filter(([id, parts]) => parts.every(shown)).map(([id]) => id);
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
        pairs = json.dumps(
            [[f.id, [p.strip() for p in f.display.split("…") if p.strip()]] for f in facts]
        )
        return set(found[0].eval(f"{VISIBLE_JS}({pairs})") or [])

    def close(self) -> None:
        if self.cdp is not None:
            with contextlib.suppress(Exception):
                self.cdp.send("Browser.close")
            with contextlib.suppress(Exception):
                self.cdp.ws.close()
        stop(self.process)
