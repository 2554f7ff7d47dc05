"""Pixels on wlroots compositors (sway, Hyprland, river, Wayfire) through the screencopy
protocol (zwlr_screencopy_manager_v1): the compositor copies a region of an output into a
shared-memory buffer we hand it. No prompt: these compositors give the protocol to every
client of the session, as they do to grim.

Also the idle notification protocols (ext-idle-notify-v1, or KDE's older org_kde_kwin_idle
that sway 1.7 offers), since Wayland has no "seconds since the last input" query.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import threading
import time

from app.capture.context import Rect
from app.capture.grab import GrabFailed, RawImage
from app.capture.wlwire import SHM_ARGB8888, SHM_XRGB8888, Connection, Output, Proxy

log = logging.getLogger(__name__)

SCREENCOPY = "zwlr_screencopy_manager_v1"
# wl_shm formats whose bytes in memory are R,G,B,x (the others we accept are B,G,R,x)
_RGB_ORDER = {0x34324258, 0x34324241}  # XBGR8888, ABGR8888
_Y_INVERT = 1


def offers_screencopy(connection: Connection) -> bool:
    return SCREENCOPY in connection.globals


class ScreencopyGrabber:
    """A `Grabber` for wlroots compositors. One connection per thread (the capture thread
    grabs; `doctor` and tests may build their own)."""

    def __init__(self, display: str | None = None) -> None:
        self._display = display
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    def _state(self) -> tuple[Connection, Proxy, Proxy]:
        state = getattr(self._local, "state", None)
        if state is None:
            connection = Connection(self._display)
            try:
                if not offers_screencopy(connection):
                    raise GrabFailed("this Wayland compositor does not offer wlroots screencopy")
                shm = connection.bind("wl_shm", 1)
                manager = connection.bind(SCREENCOPY, 3)
            except BaseException:
                connection.close()
                raise
            state = self._local.state = (connection, shm, manager)
            with self._lock:
                self._all.append(connection)
        return state

    def outputs(self) -> list[Output]:
        connection, _, _ = self._state()
        return connection.outputs()

    def monitors(self) -> list[Rect]:
        return [Rect(*o.layout) for o in self.outputs()]

    def grab(self, rect: Rect) -> RawImage:
        connection, shm, manager = self._state()
        outputs = connection.outputs()
        best, area = None, 0
        for output in outputs:
            part = Rect(*output.layout).intersect(rect)
            if part is not None and part.area > area:
                best, area = output, part.area
        if best is None or best.proxy is None:
            raise GrabFailed("the window is on no output")
        ox, oy, _, _ = best.layout
        region = Rect(*best.layout).intersect(rect)
        assert region is not None
        frame = connection.request(
            manager,
            1,  # capture_output_region(frame, overlay_cursor, output, x, y, width, height)
            "nioiiii",
            None,
            0,
            best.proxy.id,
            region.left - ox,
            region.top - oy,
            region.width,
            region.height,
            new="zwlr_screencopy_frame_v1",
        )
        assert frame is not None
        try:
            return self._copy(connection, shm, frame, region)
        finally:
            connection.destroy(frame, 1)

    def _copy(self, connection: Connection, shm: Proxy, frame: Proxy, region: Rect) -> RawImage:
        def seen(*names: str) -> bool:
            return any(name in names for name, _ in frame.events)

        # Version 3 lists every buffer kind, then buffer_done; earlier versions send one.
        if not connection.dispatch_until(
            lambda: (
                seen("buffer_done", "failed")
                or (seen("buffer") and manager_version(connection) < 3)
            )
        ):
            raise GrabFailed("the compositor did not describe the frame")
        if seen("failed"):
            raise GrabFailed("the compositor refused the copy")
        shm_buffers = [args for name, args in frame.events if name == "buffer"]
        if not shm_buffers:
            raise GrabFailed("the compositor offers no shared-memory buffer")
        fmt, width, height, stride = shm_buffers[0]
        size = stride * height
        fd = os.memfd_create("memloci-frame", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, size)
            pool = connection.request(shm, 0, "nhi", None, fd, size, new="wl_shm_pool")
            assert pool is not None
            buffer = connection.request(
                pool, 0, "niiiiu", None, 0, width, height, stride, fmt, new="wl_buffer"
            )
            assert buffer is not None
            try:
                connection.request(frame, 0, "o", buffer.id)  # copy
                started = time.monotonic()
                if not connection.dispatch_until(lambda: seen("ready", "failed"), 5.0):
                    raise GrabFailed("the compositor did not copy the frame in 5 s")
                if seen("failed"):
                    raise GrabFailed("the compositor failed to copy the frame")
                log.debug("screencopy %dx%d in %.3f s", width, height, time.monotonic() - started)
                with mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ) as mapped:
                    data = bytes(mapped)
            finally:
                connection.destroy(buffer, 0)
                connection.destroy(pool, 1)
        finally:
            os.close(fd)
        flags = next((args[0] for name, args in frame.events if name == "flags"), 0)
        return RawImage(
            Rect(region.left, region.top, width, height),
            to_bgra(data, width, height, stride, fmt, bool(flags & _Y_INVERT)),
        )

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            with contextlib.suppress(Exception):
                connection.close()
        self._local = threading.local()


def manager_version(connection: Connection) -> int:
    return connection.globals.get(SCREENCOPY, (0, 0))[1]


def to_bgra(data: bytes, width: int, height: int, stride: int, fmt: int, flip: bool) -> bytes:
    """Tightly packed BGRA rows, top to bottom, from a shared-memory frame."""
    import numpy as np

    if fmt not in (SHM_ARGB8888, SHM_XRGB8888, *_RGB_ORDER):
        raise GrabFailed(f"unsupported pixel format {fmt:#x}")
    rows = np.frombuffer(data, dtype=np.uint8, count=stride * height).reshape(height, stride)
    pixels = rows[:, : width * 4].reshape(height, width, 4)
    if flip:
        pixels = pixels[::-1]
    if fmt in _RGB_ORDER:
        pixels = pixels[:, :, [2, 1, 0, 3]]
    return np.ascontiguousarray(pixels).tobytes()


class IdleWatch:
    """Tells when the person has not touched keyboard or mouse for `seconds`: the compositor
    says so (idled, resumed). Polled from the capture thread; no thread of its own."""

    def __init__(self, seconds: float, display: str | None = None) -> None:
        self.seconds = seconds
        self._connection = Connection(display)
        self._idle_since: float | None = None
        seat = self._connection.bind("wl_seat", 1)
        ms = int(seconds * 1000)
        globals_ = self._connection.globals
        if "ext_idle_notifier_v1" in globals_:
            notifier = self._connection.bind("ext_idle_notifier_v1", 1)
            watch = self._connection.request(
                notifier, 1, "nuo", None, ms, seat.id, new="ext_idle_notification_v1"
            )
        elif "org_kde_kwin_idle" in globals_:
            manager = self._connection.bind("org_kde_kwin_idle", 1)
            watch = self._connection.request(
                manager, 0, "nou", None, seat.id, ms, new="org_kde_kwin_idle_timeout"
            )
        else:
            self._connection.close()
            raise GrabFailed("this compositor offers no idle notification")
        assert watch is not None
        watch.handler = self._event
        self._connection.roundtrip()

    def _event(self, name: str, _args: tuple[object, ...]) -> None:
        if name in ("idled", "idle"):
            self._idle_since = time.monotonic() - self.seconds
        else:
            self._idle_since = None

    def idle_seconds(self) -> float:
        """Seconds without input as far as known: 0 until the compositor says idle."""
        self._connection.dispatch_pending()
        return 0.0 if self._idle_since is None else time.monotonic() - self._idle_since

    def close(self) -> None:
        self._connection.close()
