"""Pixels on Wayland desktops without wlroots screencopy (GNOME, Plasma) through the desktop
portal's ScreenCast interface: the person allows screen sharing once, the portal hands out a
PipeWire stream per monitor, and a restore token (persist mode 2: until the person revokes
it) lets every later start skip the question.

The portal session lives as long as its D-Bus connection, so the grabber keeps both on the
capture thread that uses it. A refusal is remembered until capture restarts: the person is
not asked again at every look.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.capture.context import Rect
from app.capture.dbus import Bus, BusError, Call
from app.capture.grab import GrabFailed, PixelsUnavailable, RawImage
from app.capture.pipewire import VideoStream
from app.capture.platforms import PlatformUnavailable
from app.capture.wlwire import output_rects

log = logging.getLogger(__name__)

PORTAL = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
SCREENCAST = "org.freedesktop.portal.ScreenCast"
REQUEST = "org.freedesktop.portal.Request"
SOURCE_MONITOR = 1
CURSOR_HIDDEN = 1
PERSIST_UNTIL_REVOKED = 2
ANSWER_SECONDS = 300
CONNECT_SECONDS = 5.0
"""How long the person has to answer the portal's question."""


def portal_available(timeout: float = 1.0) -> bool:
    """Does the desktop offer the ScreenCast portal with monitors as sources?"""
    try:
        bus = Bus.session(timeout=timeout)
    except PlatformUnavailable:
        return False
    try:
        types = bus.get(PORTAL, PATH, SCREENCAST, "AvailableSourceTypes")
        return bool(int(types) & SOURCE_MONITOR)
    except (BusError, PlatformUnavailable):
        return False
    finally:
        bus.close()


@dataclass
class Stream:
    node: int
    place: Rect | None  # where the monitor sits in the layout, when the portal says
    video: VideoStream


class PortalSession:
    """One ScreenCast session: CreateSession, SelectSources (persist, restore token), Start,
    OpenPipeWireRemote. Raises `PixelsUnavailable` when the person does not allow it."""

    def __init__(self, token: str = "", *, answer_seconds: float = ANSWER_SECONDS) -> None:
        self.answer_seconds = answer_seconds
        self.bus = Bus.session(timeout=10.0, fds=True)
        self.bus.subscribe(interface=REQUEST, member="Response")
        self.bus.subscribe(interface="org.freedesktop.portal.Session", member="Closed")
        self.handle = ""
        self.restore_token = ""
        self.asked = False  # False when the restore token let the portal skip the question
        self.streams: list[tuple[int, Rect | None]] = []
        self.closed = False
        self._start(token)

    def _request(
        self, method: str, signature: str, args: Callable[[str], tuple[Any, ...]], wait: float
    ) -> dict[str, Any]:
        from jeepney import HeaderFields

        token = "memloci" + secrets.token_hex(6)
        sender = self.bus.unique_name[1:].replace(".", "_")
        path = f"{PATH}/request/{sender}/{token}"
        try:
            self.bus.call(
                Call(PORTAL, PATH, SCREENCAST, method, signature, args(token)), timeout=10
            )
        except BusError as error:
            raise PixelsUnavailable(
                f"The screen-sharing portal refused {method}: {error}."
            ) from None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for message in self.bus.signals(min(1.0, max(deadline - time.monotonic(), 0))):
                if message.header.fields.get(HeaderFields.path) == path:
                    code, results = message.body
                    if code == 1:
                        raise PixelsUnavailable(
                            "Screen sharing was not allowed, so only text that applications "
                            "publish is read. Memloci asks again when capture restarts."
                        )
                    if code != 0:
                        raise PixelsUnavailable(
                            "The screen-sharing portal could not start a screen cast "
                            f"(code {code}); only published text is read."
                        )
                    return {key: value for key, (_sig, value) in results.items()}
        raise PixelsUnavailable(
            "Screen sharing was not answered in time; only published text is read."
        )

    def _start(self, token: str) -> None:
        created = self._request(
            "CreateSession",
            "a{sv}",
            lambda t: ({"handle_token": ("s", t), "session_handle_token": ("s", "s" + t)},),
            30,
        )
        self.handle = str(created["session_handle"])
        options: dict[str, tuple[str, Any]] = {
            "types": ("u", SOURCE_MONITOR),
            "multiple": ("b", True),
            "cursor_mode": ("u", CURSOR_HIDDEN),
            "persist_mode": ("u", PERSIST_UNTIL_REVOKED),
        }
        if token:
            options["restore_token"] = ("s", token)
        started_at = time.monotonic()
        self._request(
            "SelectSources",
            "oa{sv}",
            lambda t: (self.handle, {"handle_token": ("s", t), **options}),
            self.answer_seconds,
        )
        result = self._request(
            "Start",
            "osa{sv}",
            lambda t: (self.handle, "", {"handle_token": ("s", t)}),
            self.answer_seconds,
        )
        self.asked = not token or time.monotonic() - started_at > 2.0
        self.restore_token = str(result.get("restore_token", ""))
        for node, props in result.get("streams", []):
            values = {key: value for key, (_sig, value) in props.items()}
            place = None
            if "position" in values and "size" in values:
                (x, y), (w, h) = values["position"], values["size"]
                place = Rect(int(x), int(y), int(w), int(h))
            self.streams.append((int(node), place))
        if not self.streams:
            raise PixelsUnavailable("The screen-sharing portal gave no screen to read.")

    def pipewire_fd(self) -> int:
        reply = self.bus.call(
            Call(PORTAL, PATH, SCREENCAST, "OpenPipeWireRemote", "oa{sv}", (self.handle, {}))
        )
        return int(reply[0].to_raw_fd())

    def poll_closed(self) -> bool:
        """Has the desktop ended the session (the person stopped sharing)?"""
        from jeepney import HeaderFields

        for message in self.bus.signals(0):
            if message.header.fields.get(HeaderFields.path) == self.handle:
                self.closed = True
        return self.closed

    def close(self) -> None:
        if self.handle and not self.closed:
            with contextlib.suppress(Exception):
                self.bus.call(Call(PORTAL, self.handle, "org.freedesktop.portal.Session", "Close"))
        self.bus.close()


class PortalGrabber:
    """A `Grabber` through the ScreenCast portal (see the module's docstring)."""

    def __init__(
        self,
        *,
        token: Callable[[], str] | None = None,
        keep_token: Callable[[str], None] | None = None,
        answer_seconds: float | None = None,
    ) -> None:
        self._token = token or (lambda: "")
        self._keep = keep_token or (lambda value: None)
        self.answer_seconds = ANSWER_SECONDS if answer_seconds is None else answer_seconds
        self.session: PortalSession | None = None
        self.streams: list[Stream] = []
        self.refused = ""
        self.starts = 0

    def monitors(self) -> list[Rect]:
        try:
            return output_rects()
        except PlatformUnavailable:
            return [s.place for s in self.streams if s.place is not None]

    def _ensure(self) -> list[Stream]:
        if self.refused:
            raise PixelsUnavailable(self.refused)
        if self.session is not None and (
            self.session.poll_closed() or any(s.video.state < 0 for s in self.streams)
        ):
            log.info("the screen-sharing session ended; starting it again")
            self._stop()
        if self.session is None:
            self.starts += 1
            try:
                session = PortalSession(self._token(), answer_seconds=self.answer_seconds)
            except PixelsUnavailable as error:
                self.refused = str(error)
                raise
            self._keep(session.restore_token)
            try:
                streams = self._connect(session)
            except GrabFailed:
                session.close()
                raise
            self.session, self.streams = session, streams
        return self.streams

    def _connect(self, session: PortalSession) -> list[Stream]:
        """A PipeWire stream per shared monitor. A session restored without a question starts
        at once, sometimes before its node is in the PipeWire graph: connecting is tried again
        for a few seconds."""
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            fd = session.pipewire_fd()
            streams: list[Stream] = []
            try:
                for node, place in session.streams:
                    streams.append(Stream(node, place, VideoStream(node, fd, name="memloci")))
                for stream in streams:
                    stream.video.wait_ready(max(1.0, deadline - time.monotonic()))
                return streams
            except GrabFailed as error:
                for stream in streams:
                    stream.video.close()
                if time.monotonic() >= deadline or "no node" not in str(error):
                    raise
                time.sleep(0.3)

    def grab(self, rect: Rect) -> RawImage:
        streams = self._ensure()
        best, area = streams[0], -1
        for stream in streams:
            place = stream.place or Rect(0, 0, 1 << 30, 1 << 30)
            part = place.intersect(rect)
            if part is not None and part.area > area:
                best, area = stream, part.area
        frame = best.video.latest()
        place = best.place or Rect(0, 0, frame.width, frame.height)
        region = place.intersect(rect)
        if region is None:
            raise GrabFailed("the window is on no shared screen")
        return crop(frame.bgra, frame.width, frame.height, place, region)

    def _stop(self) -> None:
        for stream in self.streams:
            with contextlib.suppress(Exception):
                stream.video.close()
        self.streams = []
        if self.session is not None:
            self.session.close()
            self.session = None

    def close(self) -> None:
        self._stop()


def crop(bgra: bytes, width: int, height: int, place: Rect, region: Rect) -> RawImage:
    """The part of a monitor's frame under `region` (layout coordinates), scaled to the
    frame's pixels when the monitor is scaled."""
    import numpy as np

    sx, sy = width / max(place.width, 1), height / max(place.height, 1)
    left = round((region.left - place.left) * sx)
    top = round((region.top - place.top) * sy)
    right = min(width, round((region.right - place.left) * sx))
    bottom = min(height, round((region.bottom - place.top) * sy))
    pixels = np.frombuffer(bgra, dtype=np.uint8).reshape(height, width, 4)
    part = np.ascontiguousarray(pixels[top:bottom, left:right])
    return RawImage(Rect(region.left, region.top, part.shape[1], part.shape[0]), part.tobytes())
