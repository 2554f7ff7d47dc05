"""A small Chrome DevTools Protocol driver for tests: headless Chromium with an unpacked
extension, pages opened and attached over one browser websocket, real (trusted) mouse clicks,
and a DOM walk that sees inside closed shadow roots."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    def __init__(self, process: subprocess.Popen[bytes], ws_url: str) -> None:
        import websocket

        self.process = process
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self._ids = iter(range(1, 1_000_000))
        self.events: list[dict[str, Any]] = []  # what arrived while waiting for replies

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None):
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if "method" in reply:
                self.events.append(reply)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def open(self, url: str) -> Page:
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, session["sessionId"])
        # The new tab starts on about:blank; wait for the real document, fully loaded.
        page.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")
        return page

    def attach(self, url_prefix: str, timeout: float = 20) -> Page:
        """A page the browser opened itself (an extension's side panel, a popup window)."""
        target = self.wait_for_target(url_prefix, timeout)
        params = {"targetId": target["targetId"], "flatten": True}
        page = Page(self, self.send("Target.attachToTarget", params)["sessionId"])
        page.wait_for(
            f"location.href.startsWith({json.dumps(url_prefix)})"
            " && document.readyState === 'complete'"
        )
        return page

    def press_toolbar_button(self, extension_id: str, url: str) -> None:
        """What a click on the extension's toolbar button does, in the tab showing `url`."""
        tabs = self.send("Target.getTargets", {"filter": [{"type": "tab"}]})["targetInfos"]
        tab = next(t for t in tabs if t["url"] == url)
        self.send("Extensions.triggerAction", {"id": extension_id, "targetId": tab["targetId"]})

    def targets(self) -> list[dict[str, Any]]:
        return self.send("Target.getTargets")["targetInfos"]

    def wait_for_target(self, url_prefix: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for target in self.targets():
                if target["url"].startswith(url_prefix):
                    return target
            time.sleep(0.2)
        raise TimeoutError(f"no target at {url_prefix}")


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def eval(self, expression: str, await_promise: bool = False) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def extension_world(self, name: str) -> int:
        """The execution context id of extension `name`'s content script in this page."""
        self.send("Runtime.enable")
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            if event["method"] == "Runtime.executionContextCreated":
                context = event["params"]["context"]
                if context.get("name") == name and context["auxData"].get("type") == "isolated":
                    return int(context["id"])
        raise LookupError(f"no content script world of {name!r}")

    def eval_in(self, context: int, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "contextId": context,
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"].get("exception", {})))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"not true in {timeout} s: {expression}")

    def click_at(self, x: float, y: float) -> None:
        """A real click: the page sees isTrusted events, like a person's."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params: dict[str, Any] = {"type": kind, "x": x, "y": y}
            if kind != "mouseMoved":
                params.update(button="left", clickCount=1)
            self.send("Input.dispatchMouseEvent", params)

    def click_selector(self, selector: str) -> None:
        box = self.eval(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        self.click_at(*box)

    # -- elements in closed shadow roots ---------------------------------------------------------
    def find(self, attribute: str, value: str) -> int | None:
        """The backend node id of the element with `attribute="value"`, shadow roots included."""
        root = self.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        stack = [root]
        while stack:
            node = stack.pop()
            attrs = node.get("attributes", [])
            pairs = dict(zip(attrs[::2], attrs[1::2], strict=True))
            if pairs.get(attribute) == value:
                return int(node["backendNodeId"])
            stack.extend(node.get("children", []))
            stack.extend(node.get("shadowRoots", []))
            if node.get("contentDocument"):
                stack.append(node["contentDocument"])
        return None

    def attributes(self, backend_id: int) -> dict[str, str]:
        node = self.send("DOM.describeNode", {"backendNodeId": backend_id})["node"]
        attrs = node.get("attributes", [])
        return dict(zip(attrs[::2], attrs[1::2], strict=True))

    def text_of(self, backend_id: int) -> str:
        html = self.send("DOM.getOuterHTML", {"backendNodeId": backend_id})["outerHTML"]
        import re

        return re.sub(r"<[^>]+>", "", html)

    def click_node(self, backend_id: int) -> None:
        quad = self.send("DOM.getBoxModel", {"backendNodeId": backend_id})["model"]["content"]
        xs, ys = quad[0::2], quad[1::2]
        self.click_at(sum(xs) / 4, sum(ys) / 4)

    def wait_node(self, attribute: str, value: str, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(attribute, value)
            if found is not None:
                return found
            time.sleep(0.1)
        raise TimeoutError(f"no element with {attribute}={value!r}")


@contextlib.contextmanager
def chromium(extension: Path, profile: Path) -> Iterator[Browser]:
    """Debian's Chromium, headless, with `extension` loaded and a throwaway profile."""
    args = [
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-features=Translate,MediaRouter,OptimizationHints",
        "--window-size=1280,1100",
        f"--user-data-dir={profile}",
        f"--load-extension={extension}",
        f"--disable-extensions-except={extension}",
        "--enable-unsafe-extension-debugging",  # Extensions.triggerAction: the toolbar button
        "--remote-debugging-port=0",
        "about:blank",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("http_proxy", "https_proxy")}
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    browser = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not start")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        browser = Browser(process, f"ws://127.0.0.1:{port}{path}")
        yield browser
    finally:
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.send("Browser.close")
            browser.ws.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
