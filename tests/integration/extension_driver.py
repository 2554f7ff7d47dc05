"""What the browser extension tests share: test pages served from 127.0.0.1, the real local API
over the test's store, and the person's first step (pasting the token in the options page)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.api.server import ApiServer
from app.autofill.approval import ApprovalRequest, Decision
from app.settings import BROWSER_EXTENSION_ID

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "packaging" / "browser-extension"
BASE = f"chrome-extension://{BROWSER_EXTENSION_ID}/"
REVIEW = BASE + "review.html"


class Approves:
    """A scripted approver (a fake of the `Approver` protocol): the person allows the listed
    sensitivities and refuses the rest; every request is kept for the test to read."""

    def __init__(self, *levels: str) -> None:
        self.levels = set(levels)
        self.requests: list[ApprovalRequest] = []

    def approve(self, request: ApprovalRequest) -> Decision:
        self.requests.append(request)
        wanted = self.levels
        return Decision(frozenset(i.memory_id for i in request.items if i.sensitivity in wanted))

    @property
    def asked(self) -> list[tuple[str, str]]:
        return [(i.caption, i.sensitivity) for r in self.requests for i in r.items]


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return


@contextlib.contextmanager
def local_site(folder: Path, pages: dict[str, str]) -> Iterator[str]:
    """The test pages, served from 127.0.0.1 on a free port; yields the base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, html in pages.items():
        (folder / name).write_text(html, encoding="utf-8")
    handler = functools.partial(_QuietFiles, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def local_api(memloci: Any) -> Iterator[ApiServer]:
    server = ApiServer(memloci, port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def paste_token(browser: Any, memloci: Any, port: int) -> None:
    """The person pastes the token and port in the extension's options and tests them."""
    browser.wait_for_target(BASE)  # the service worker: the id matches the manifest key
    options = browser.open(BASE + "options.html")
    options.eval(
        f"document.getElementById('token').value = {json.dumps(memloci.api_token())};"
        f"document.getElementById('port').value = '{port}';"
        "document.getElementById('test').click(); true"
    )
    options.wait_for("document.getElementById('status').textContent.includes('Connected')")


def without_side_panel(browser: Any) -> None:
    """The service worker as in a Chromium build without chrome.sidePanel (some browsers)."""
    worker = browser.wait_for_target(BASE + "background.js")
    params = {"targetId": worker["targetId"], "flatten": True}
    session = browser.send("Target.attachToTarget", params)["sessionId"]
    browser.send("Runtime.runIfWaitingForDebugger", {}, session)
    expression = (
        "Object.defineProperty(chrome, 'sidePanel', {value: undefined, configurable: true});"
        " typeof chrome.sidePanel"
    )
    deadline = time.monotonic() + 10
    while True:  # the worker's extension bindings come up shortly after it starts
        result = browser.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
        )
        if result["result"].get("value") == "undefined":
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"could not take the side panel away: {result}")
        time.sleep(0.2)


def wait_attribute(page: Any, node: int, name: str, wanted: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while wanted not in page.attributes(node).get(name, ""):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} never held {wanted!r}: {page.attributes(node)}")
        time.sleep(0.1)


def badge_shown(page: Any) -> bool:
    badge = page.find("data-memloci", "badge")
    return badge is not None and "display: block" in page.attributes(badge).get("style", "")


def values_of(page: Any, selector: str) -> dict[str, str]:
    return json.loads(
        page.eval(
            "JSON.stringify(Object.fromEntries([...document.querySelectorAll("
            f"{json.dumps(selector)})].map(e => [e.id, e.value])))"
        )
    )


def open_review(browser: Any, page: Any, selector: str) -> Any:
    """The person clicks into the field and on Memloci's badge; the review opens in the
    browser's side panel (a page the web page cannot draw over). Returns it, ready."""
    page.click_selector(selector)
    badge = page.wait_node("data-memloci", "badge")
    wait_attribute(page, badge, "style", "display: block")
    wait_attribute(page, badge, "data-visible", "true")
    time.sleep(0.5)  # a person's hand takes longer than this to reach the badge
    page.click_node(badge)
    review = browser.attach(REVIEW)
    review.wait_for(
        "['ready', 'empty', 'error'].includes(document.getElementById('status').dataset.state)",
        timeout=30,
    )
    state = review.eval("document.getElementById('status').dataset.state")
    assert state == "ready", review.eval("document.getElementById('status').textContent")
    return review
