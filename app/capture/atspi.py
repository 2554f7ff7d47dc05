"""The accessibility bus (AT-SPI 2): the words applications already publish for screen
readers, read over D-Bus with `app.capture.dbus` (jeepney), no PyGObject.

What it gives capture, on X11 and Wayland alike: the application windows (frames) each
program shows, their titles, the process behind them, which one is active, the page address
of a browser's document, and the text that is showing, exact, without pixels.

Identity: a window is matched to an accessible frame by the process showing it and its
exact title; bus names are never reused while the bus lives, so a cached pid cannot name
another program (unlike X window ids).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.capture.context import normalize_title
from app.capture.dbus import Bus, BusError, Call
from app.capture.platforms import PlatformUnavailable

log = logging.getLogger(__name__)

REGISTRY = "org.a11y.atspi.Registry"
ROOT = "/org/a11y/atspi/accessible/root"
NULL = "/org/a11y/atspi/null"
ACCESSIBLE = "org.a11y.atspi.Accessible"
TEXT = "org.a11y.atspi.Text"
COMPONENT = "org.a11y.atspi.Component"
COLLECTION = "org.a11y.atspi.Collection"
DOCUMENT = "org.a11y.atspi.Document"
APPLICATION = "org.a11y.atspi.Application"
PROPS = "org.freedesktop.DBus.Properties"

# AtspiRole (at-spi2-core atspi-constants.h)
ROLE_CANVAS = 6
ROLE_DIALOG = 16
ROLE_DRAWING_AREA = 18
ROLE_FRAME = 23
ROLE_IMAGE = 27
ROLE_PASSWORD_TEXT = 40
ROLE_TERMINAL = 60
ROLE_WINDOW = 69
ROLE_APPLICATION = 75
ROLE_EMBEDDED = 78
ROLE_DOCUMENT_FRAME = 82
ROLE_DOCUMENT_SPREADSHEET = 92
ROLE_DOCUMENT_PRESENTATION = 93
ROLE_DOCUMENT_TEXT = 94
ROLE_DOCUMENT_WEB = 95
ROLE_DOCUMENT_EMAIL = 96
ROLE_ALERT = 2
ROLE_FILE_CHOOSER = 19
WINDOW_ROLES = frozenset({ROLE_FRAME, ROLE_DIALOG, ROLE_WINDOW, ROLE_ALERT, ROLE_FILE_CHOOSER})
DOCUMENT_ROLES = frozenset(
    {
        ROLE_DOCUMENT_FRAME,
        ROLE_DOCUMENT_SPREADSHEET,
        ROLE_DOCUMENT_PRESENTATION,
        ROLE_DOCUMENT_TEXT,
        ROLE_DOCUMENT_WEB,
        ROLE_DOCUMENT_EMAIL,
    }
)
OPAQUE_ROLES = frozenset({ROLE_CANVAS, ROLE_DRAWING_AREA, ROLE_TERMINAL, ROLE_EMBEDDED})

# AtspiStateType
STATE_ACTIVE = 1
STATE_SHOWING = 25
STATE_VISIBLE = 30

COORD_WINDOW = 1
SORT_CANONICAL = 1
MATCH_ALL, MATCH_ANY = 1, 2
OBJECT_CHAR = "\ufffc"  # where a child object sits in its parent's text


def has_state(states: Sequence[int], state: int) -> bool:
    word, bit = divmod(state, 32)
    return len(states) > word and bool(int(states[word]) & (1 << bit))


@dataclass(frozen=True)
class Ref:
    """An accessible object: the bus name of its application and its object path."""

    bus: str
    path: str

    @property
    def null(self) -> bool:
        return not self.bus or self.path == NULL


@dataclass(frozen=True)
class Frame:
    """A top-level window as its application describes it."""

    ref: Ref
    app: Ref
    app_name: str
    title: str
    pid: int
    role: int
    active: bool
    size: tuple[int, int] | None = None

    @property
    def window_id(self) -> int:
        """A stable number for this window while its application runs (bus names are
        never reused on a bus, so neither is this)."""
        import zlib

        return zlib.crc32(f"{self.ref.bus}\x1f{self.ref.path}".encode()) or 1


@dataclass
class AccessibleText:
    """What a window's application says it shows."""

    lines: list[str] = field(default_factory=list)
    url: str = ""
    document: str = ""
    objects: int = 0
    opaque_share: float = 0.0
    """Share of the window covered by things with no text to give (canvas, terminal
    without text, embedded content): those need OCR."""
    seconds: float = 0.0

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines)

    @property
    def words(self) -> int:
        return sum(len(line.split()) for line in self.lines)

    def needs_pixels(self) -> str:
        """Why OCR must read this window too ('' when the text is enough)."""
        if self.words < 3:
            return "the application publishes no text for this window"
        if self.opaque_share >= 0.25:
            return "part of the window is a canvas or terminal with no text"
        return ""


def match_rule(
    states: Sequence[int] = (), roles: Sequence[int] = (), interfaces: Sequence[str] = ()
):
    """A Collection match rule: (states, match, attributes, match, roles, match, interfaces,
    match, invert), as libatspi marshals it."""
    state_bits = [0, 0]
    for state in states:
        state_bits[state // 32] |= 1 << (state % 32)
    role_bits = [0, 0, 0, 0]
    for role in roles:
        role_bits[role // 32] |= 1 << (role % 32)
    signed = [b - (1 << 32) if b >= 1 << 31 else b for b in (*state_bits, *role_bits)]
    return (
        signed[:2],
        MATCH_ALL,
        {},
        MATCH_ALL,
        signed[2:],
        MATCH_ANY if roles else MATCH_ALL,
        list(interfaces),
        MATCH_ALL,
        False,
    )


class Atspi:
    """A client of the accessibility bus, used from one thread.

    `enable`: set the bus's IsEnabled flag, as a screen reader does, so toolkits that wait
    for an assistive technology (Qt; GTK 4) publish their windows. It is left on at close:
    a screen reader may have started meanwhile."""

    def __init__(self, *, enable: bool = True, timeout: float = 1.0) -> None:
        self.timeout = timeout
        self._enable = enable
        self._bus: Bus | None = None
        self._pids: dict[str, int] = {}
        self._slow: dict[str, float] = {}  # bus name -> until when it is not asked
        self._flat: set[str] = set()  # applications without a working Collection
        self.enabled_here = False
        self.calls = 0

    # -- connection -----------------------------------------------------------------------------
    def bus(self) -> Bus:
        if self._bus is None:
            self._bus, self.enabled_here = connect(enable=self._enable, timeout=self.timeout)
        return self._bus

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()
            self._bus = None
        self._pids.clear()

    def call_many(self, calls: Sequence[Call], timeout: float | None = None) -> list[Any]:
        self.calls += len(calls)
        try:
            return self.bus().calls(calls, timeout=timeout)
        except PlatformUnavailable:
            self.close()
            raise

    # -- applications and windows ---------------------------------------------------------------
    def applications(self) -> list[tuple[Ref, int]]:
        """Every application on the bus with its process id (0 when unknown)."""
        (children,) = self.call_many(
            [Call(REGISTRY, ROOT, ACCESSIBLE, "GetChildren")], timeout=self.timeout
        )
        if isinstance(children, BusError):
            raise PlatformUnavailable(f"The accessibility registry does not answer: {children}")
        apps = [Ref(bus, path) for bus, path in children[0] if bus and path != NULL]
        now = time.monotonic()
        unknown = [a.bus for a in apps if a.bus not in self._pids]
        pid_calls = [
            Call(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "GetConnectionUnixProcessID",
                "s",
                (name,),
            )
            for name in unknown
        ]
        for name, reply in zip(unknown, self.call_many(pid_calls), strict=True):
            self._pids[name] = int(reply[0]) if not isinstance(reply, BusError) else 0
        alive = {a.bus for a in apps}
        for name in [n for n in self._pids if n not in alive]:
            del self._pids[name]
        return [(a, self._pids.get(a.bus, 0)) for a in apps if self._slow.get(a.bus, 0) <= now]

    def frames(self, apps: Sequence[tuple[Ref, int]]) -> list[Frame]:
        """The top-level windows of these applications, with title and state."""
        children = self.call_many([Call(a.bus, a.path, ACCESSIBLE, "GetChildren") for a, _ in apps])
        names = self.call_many(
            [Call(a.bus, a.path, PROPS, "Get", "ss", (ACCESSIBLE, "Name")) for a, _ in apps]
        )
        refs: list[tuple[Ref, Ref, str, int]] = []
        for (app, pid), reply, name in zip(apps, children, names, strict=True):
            if isinstance(reply, BusError):
                self._slow_app(app.bus, reply)
                continue
            app_name = name[0][1] if not isinstance(name, BusError) else ""
            refs.extend(
                (Ref(bus, path), app, app_name, pid) for bus, path in reply[0] if path != NULL
            )
        if not refs:
            return []
        calls: list[Call] = []
        for ref, *_ in refs:
            calls += [
                Call(ref.bus, ref.path, ACCESSIBLE, "GetRole"),
                Call(ref.bus, ref.path, ACCESSIBLE, "GetState"),
                Call(ref.bus, ref.path, PROPS, "Get", "ss", (ACCESSIBLE, "Name")),
            ]
        replies = self.call_many(calls)
        found: list[Frame] = []
        for index, (ref, app, app_name, pid) in enumerate(refs):
            role, state, name = replies[3 * index : 3 * index + 3]
            if any(isinstance(r, BusError) for r in (role, state, name)):
                continue
            if int(role[0]) not in WINDOW_ROLES or not has_state(state[0], STATE_SHOWING):
                continue
            found.append(
                Frame(
                    ref=ref,
                    app=app,
                    app_name=app_name,
                    title=str(name[0][1]),
                    pid=pid,
                    role=int(role[0]),
                    active=has_state(state[0], STATE_ACTIVE),
                )
            )
        return found

    def _slow_app(self, name: str, error: BusError) -> None:
        """An application that does not answer is left alone for a minute (its windows are
        then read from pixels), so one hung program never slows every look."""
        if error.name == "timeout":
            log.info("the application %s does not answer on the accessibility bus", name)
            self._slow[name] = time.monotonic() + 60

    def active_frame(self) -> Frame | None:
        """The window the desktop has activated (the one receiving the keyboard), if exactly
        one application says so."""
        active = [f for f in self.frames(self.applications()) if f.active]
        return active[0] if len(active) == 1 else None

    def frame_for(self, pid: int, title: str) -> Frame | None:
        """The accessible window shown by process `pid` under this exact title (the
        active one when the process shows several with the same title). None when no
        single window fits: then nothing is read from the accessibility bus."""
        apps = [(app, p) for app, p in self.applications() if pid and p == pid]
        if not apps:
            return None
        frames = self.frames(apps)
        same = [f for f in frames if f.title == title]
        if not same and title:
            wanted = normalize_title(title)
            same = [f for f in frames if normalize_title(f.title) == wanted]
        if len(same) > 1:
            same = [f for f in same if f.active]
        return same[0] if len(same) == 1 else None

    def still(self, frame: Frame) -> bool:
        """Is this window still there under the same title?"""
        reply = self.call_many(
            [Call(frame.ref.bus, frame.ref.path, PROPS, "Get", "ss", (ACCESSIBLE, "Name"))]
        )[0]
        return not isinstance(reply, BusError) and reply[0][1] == frame.title

    def extents(self, ref: Ref) -> tuple[int, int, int, int] | None:
        reply = self.call_many(
            [Call(ref.bus, ref.path, COMPONENT, "GetExtents", "u", (COORD_WINDOW,))]
        )[0]
        if isinstance(reply, BusError):
            return None
        return tuple(int(v) for v in reply[0])  # type: ignore[return-value]

    # -- the page address -----------------------------------------------------------------------
    def document_url(self, frame: Frame) -> str:
        """The address of the web document showing in a browser window ('' when unknown)."""
        docs = self.matches(
            frame.ref, match_rule(states=(STATE_SHOWING,), roles=(ROLE_DOCUMENT_WEB,)), 4
        )
        if not docs:
            return ""
        # Chromium names the address URI, Firefox DocURL.
        for reply in self.call_many([Call(d.bus, d.path, DOCUMENT, "GetAttributes") for d in docs]):
            if isinstance(reply, BusError):
                continue
            attributes = dict(reply[0])
            url = attributes.get("URI") or attributes.get("DocURL") or ""
            if url:
                return str(url)
        return ""

    def matches(self, ref: Ref, rule: Any, count: int) -> list[Ref] | None:
        """Objects under `ref` matching `rule`, in document order; None when the application
        cannot be searched this way."""
        if ref.bus in self._flat:
            return None
        reply = self.call_many(
            [
                Call(
                    ref.bus,
                    ref.path,
                    COLLECTION,
                    "GetMatches",
                    "(aiia{ss}iaiiasib)uib",
                    (rule, SORT_CANONICAL, count, True),
                )
            ],
            timeout=max(self.timeout, 2.0),
        )[0]
        if isinstance(reply, BusError):
            if reply.name != "timeout":
                self._flat.add(ref.bus)
            return None
        return [Ref(bus, path) for bus, path in reply[0] if path != NULL]


def connect(*, enable: bool, timeout: float) -> tuple[Bus, bool]:
    """The accessibility bus, found through the session bus (org.a11y.Bus), with its
    IsEnabled flag turned on when `enable` and off; says whether this call turned it on."""
    session = Bus.session(timeout=timeout)
    enabled_here = False
    try:
        address = session.call(Call("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress"))[
            0
        ]
        if enable:
            status = session.get("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Status", "IsEnabled")
            if not status:
                session.set(
                    "org.a11y.Bus", "/org/a11y/bus", "org.a11y.Status", "IsEnabled", "b", True
                )
                enabled_here = True
                log.info("turned on the desktop's accessibility bus (org.a11y.Status.IsEnabled)")
    except BusError as error:
        raise PlatformUnavailable(
            f"The accessibility bus is not available ({error}); install at-spi2-core."
        ) from None
    finally:
        session.close()
    return Bus(str(address), timeout=timeout), enabled_here
