"""Window identity on sway through its IPC socket (the i3 protocol): the focused window, its
app id (or X11 class under XWayland), title, process and place, every visible window in
stacking order, and events when focus or a title changes.

Each look asks sway for the tree again; nothing is remembered by container id (ids are not
reused while sway runs, but a window's class and process are still read live, as on X11).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from app.capture.context import Rect, WindowContext, is_browser, private_from_cmdline
from app.capture.platforms import DisplayLost, PlatformUnavailable, make_context, proc_info

log = logging.getLogger(__name__)

MAGIC = b"i3-ipc"
RUN_COMMAND, GET_WORKSPACES, SUBSCRIBE, GET_OUTPUTS, GET_TREE = 0, 1, 2, 3, 4
GET_VERSION = 7
EVENT_BIT = 1 << 31
CHANGES = frozenset({"focus", "title", "close", "new", "fullscreen_mode", "floating", "move"})


def socket_path() -> str:
    path = os.environ.get("SWAYSOCK", "")
    if not path:
        raise PlatformUnavailable("SWAYSOCK is not set: this is not a sway session.")
    return path


class SwayIpc:
    """One connection to sway's IPC socket, used from one thread."""

    def __init__(self, path: str | None = None, *, timeout: float = 2.0) -> None:
        self.path = path or socket_path()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(self.path)
        except OSError as error:
            self._sock.close()
            raise PlatformUnavailable(f"Cannot connect to sway at {self.path}: {error}.") from None

    def request(self, kind: int, payload: str = "") -> Any:
        data = payload.encode()
        try:
            self._sock.sendall(MAGIC + struct.pack("=II", len(data), kind) + data)
            while True:
                reply_kind, body = self._receive()
                if reply_kind == kind:
                    return json.loads(body)
        except (OSError, ValueError) as error:
            self.close()
            raise DisplayLost(f"The connection to sway closed ({error}).") from None

    def _receive(self) -> tuple[int, bytes]:
        header = self._exact(14)
        if header[:6] != MAGIC:
            raise ValueError("not an i3-ipc reply")
        length, kind = struct.unpack("=II", header[6:])
        return kind, self._exact(length)

    def _exact(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self._sock.recv(size - len(chunks))
            if not chunk:
                raise ConnectionError("sway closed the socket")
            chunks += chunk
        return bytes(chunks)

    def events(self, timeout: float) -> Iterator[tuple[int, Any]]:
        """Events already subscribed to, waiting up to `timeout` for the first."""
        ready, _, _ = select.select([self._sock], [], [], timeout)
        while ready:
            kind, body = self._receive()
            if kind & EVENT_BIT:
                yield kind & ~EVENT_BIT, json.loads(body)
            ready, _, _ = select.select([self._sock], [], [], 0)

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()


def _rect(box: dict[str, int]) -> Rect:
    return Rect(int(box["x"]), int(box["y"]), int(box["width"]), int(box["height"]))


def _windows(node: dict[str, Any], visible_only: bool) -> Iterator[dict[str, Any]]:
    """Windows in stacking order, bottom first: tiled ones, then floating ones above them."""
    is_window = node.get("type") in ("con", "floating_con") and node.get("pid")
    if is_window and (not visible_only or node.get("visible")):
        yield node
    for child in node.get("nodes", []):
        yield from _windows(child, visible_only)
    for child in node.get("floating_nodes", []):
        yield from _windows(child, visible_only)


def describe(node: dict[str, Any], *, frame: bool = False) -> WindowContext:
    """A sway window as capture sees it. `frame`: its whole box, borders and title bar
    included (what covers the windows below it); else only its content."""
    props = node.get("window_properties") or {}
    if node.get("app_id"):
        wm_class: tuple[str, ...] = (str(node["app_id"]),)
    else:  # an X11 window under XWayland
        wm_class = tuple(p for p in (props.get("instance"), props.get("class")) if p)
    pid = int(node.get("pid") or 0)
    process, argv = proc_info(pid)
    probe = WindowContext(app="", wm_class=wm_class, process=process)
    outer = _rect(node["rect"])
    inner = node.get("window_rect")
    rect = outer
    if inner and not frame and inner.get("width") and inner.get("height"):
        left, top = outer.left + inner["x"], outer.top + inner["y"]
        rect = Rect(left, top, inner["width"], inner["height"])
    return make_context(
        title=str(node.get("name") or ""),
        wm_class=wm_class,
        process=process,
        pid=pid,
        window_id=int(node["id"]),
        rect=rect,
        private=is_browser(probe) and private_from_cmdline(argv),
    )


class SwayWindows:
    """The window source for sway: `active_window` and `visible_windows` for the platform."""

    name = "sway"

    def __init__(self, path: str | None = None) -> None:
        self.path = path or socket_path()
        self._ipc: SwayIpc | None = None

    def _tree(self) -> dict[str, Any]:
        if self._ipc is None:
            self._ipc = SwayIpc(self.path)
        try:
            return self._ipc.request(GET_TREE)
        except DisplayLost:
            self._ipc = None
            raise

    def active_window(self) -> WindowContext | None:
        for node in _windows(self._tree(), visible_only=False):
            if node.get("focused"):
                return describe(node)
        return None

    def visible_windows(self) -> list[WindowContext]:
        return [describe(node, frame=True) for node in _windows(self._tree(), visible_only=True)]

    def hints(self) -> SwayHints:
        return SwayHints(self.path)

    def close(self) -> None:
        if self._ipc is not None:
            self._ipc.close()
            self._ipc = None


class SwayHints:
    """Focus and title changes from sway's event stream, on a thread of its own. Sway says
    nothing about damage, so every rectangle counts as possibly changed (the grab's byte
    comparison then decides)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread: threading.Thread | None = None
        self._stop_r, self._stop_w = -1, -1
        self._ipc: SwayIpc | None = None

    def start(self, on_context_change: Callable[[], None]) -> None:
        ipc = SwayIpc(self.path, timeout=5.0)
        try:
            if not ipc.request(SUBSCRIBE, json.dumps(["window", "workspace"])).get("success"):
                raise PlatformUnavailable("sway refused the event subscription")
        except BaseException:
            ipc.close()
            raise
        self._ipc = ipc
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(
            target=self._run, args=(on_context_change,), name="capture-sway-events", daemon=True
        )
        self._thread.start()

    def _run(self, on_change: Callable[[], None]) -> None:
        assert self._ipc is not None
        try:
            while True:
                ready, _, _ = select.select([self._ipc.fileno(), self._stop_r], [], [], 5.0)
                if self._stop_r in ready:
                    return
                if not ready:
                    continue
                changed = False
                for _kind, event in self._ipc.events(0):
                    if event.get("change") in CHANGES:
                        changed = True
                if changed:
                    on_change()
        except (OSError, ValueError, ConnectionError):
            log.warning("the connection to sway closed; the sway event thread stopped")

    def consume(self, rect: Rect) -> bool:
        return True

    def stop(self) -> None:
        if self._thread is None:
            return
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")
        self._thread.join(timeout=3)
        self._thread = None
        for fd in (self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._ipc is not None:
            self._ipc.close()
