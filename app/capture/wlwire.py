"""A minimal Wayland client speaking the wire protocol directly (a Unix socket, 32-bit words,
file descriptors passed alongside): enough for capture to list outputs, copy pixels with the
wlroots screencopy protocol, and learn when the person goes idle. No libwayland binding and no
generated code: each interface used is a few opcodes written out below.

One `Connection` is used from one thread.
"""

from __future__ import annotations

import array
import contextlib
import os
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.capture.context import Rect
from app.capture.platforms import PlatformUnavailable


class WaylandError(PlatformUnavailable):
    """The compositor closed the connection or reported a protocol error."""


# Argument kinds: i int, u uint, f fixed, s string, o object, n new_id, a array, h fd.
# Events of the interfaces used here, by opcode: (name, argument kinds).
EVENTS: dict[str, list[tuple[str, str]]] = {
    "wl_display": [("error", "ous"), ("delete_id", "u")],
    "wl_registry": [("global", "usu"), ("global_remove", "u")],
    "wl_callback": [("done", "u")],
    "wl_shm": [("format", "u")],
    "wl_buffer": [("release", "")],
    "wl_output": [
        ("geometry", "iiiiissi"),
        ("mode", "uiii"),
        ("done", ""),
        ("scale", "i"),
        ("name", "s"),
        ("description", "s"),
    ],
    "wl_seat": [("capabilities", "u"), ("name", "s")],
    "zxdg_output_v1": [
        ("logical_position", "ii"),
        ("logical_size", "ii"),
        ("done", ""),
        ("name", "s"),
        ("description", "s"),
    ],
    "zwlr_screencopy_frame_v1": [
        ("buffer", "uuuu"),
        ("flags", "u"),
        ("ready", "uuu"),
        ("failed", ""),
        ("damage", "uuuu"),
        ("linux_dmabuf", "uuu"),
        ("buffer_done", ""),
    ],
    "ext_idle_notification_v1": [("idled", ""), ("resumed", "")],
    "org_kde_kwin_idle_timeout": [("idle", ""), ("resumed", "")],
    "zwp_virtual_keyboard_v1": [],
}

SHM_XRGB8888, SHM_ARGB8888 = 1, 0  # wl_shm formats (little-endian BGRA/BGRX in memory)


@dataclass
class Proxy:
    """A client-side object: its id, its interface, and what its events said."""

    id: int
    interface: str
    events: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    handler: Callable[[str, tuple[Any, ...]], None] | None = None


@dataclass
class Output:
    name: str = ""
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0
    scale: int = 1
    logical: tuple[int, int, int, int] | None = None  # from xdg-output: layout position, size
    proxy: Proxy | None = None

    @property
    def layout(self) -> tuple[int, int, int, int]:
        """Where this output sits in the compositor's layout (what window rectangles use)."""
        if self.logical is not None:
            return self.logical
        return (self.x, self.y, self.width // max(self.scale, 1), self.height // max(self.scale, 1))


def _pad(n: int) -> int:
    return (n + 3) & ~3


class Connection:
    """A connection to the compositor named by WAYLAND_DISPLAY."""

    def __init__(self, display: str | None = None, *, timeout: float = 2.0) -> None:
        name = display or os.environ.get("WAYLAND_DISPLAY") or "wayland-0"
        path = (
            name
            if name.startswith("/")
            else os.path.join(os.environ.get("XDG_RUNTIME_DIR", ""), name)
        )
        self.timeout = timeout
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.connect(path)
        except OSError as error:
            self._sock.close()
            raise PlatformUnavailable(
                f"Cannot connect to the Wayland compositor at {path}: {error}."
            ) from None
        self._next_id = 2
        self._objects: dict[int, Proxy] = {1: Proxy(1, "wl_display")}
        self._buffer = b""
        self._fds: list[int] = []
        self.globals: dict[str, tuple[int, int]] = {}  # interface -> (name, version)
        self.outputs_by_name: dict[int, Output] = {}
        registry = self._new("wl_registry")
        registry.handler = self._registry_event
        self._registry = registry
        self._send(1, 1, "n", registry.id)  # wl_display.get_registry
        self.roundtrip()

    # -- objects --------------------------------------------------------------------------------
    def _new(self, interface: str) -> Proxy:
        proxy = Proxy(self._next_id, interface)
        self._objects[proxy.id] = proxy
        self._next_id += 1
        return proxy

    def bind(self, interface: str, version: int, name: int | None = None) -> Proxy:
        if name is None:
            if interface not in self.globals:
                raise WaylandError(f"The compositor does not offer {interface}.")
            name, offered = self.globals[interface]
            version = min(version, offered)
        proxy = self._new(interface)
        self._send(self._registry.id, 0, "usun", name, interface, version, proxy.id)
        return proxy

    def request(
        self, proxy: Proxy, opcode: int, kinds: str = "", *args: Any, new: str = ""
    ) -> Proxy | None:
        """Send a request; `new` names the interface of the object a `n` argument creates."""
        created = None
        values = list(args)
        if new:
            created = self._new(new)
            values = [created.id if v is None else v for v in values]
        self._send(proxy.id, opcode, kinds, *values)
        return created

    def destroy(self, proxy: Proxy, opcode: int) -> None:
        with contextlib.suppress(OSError):
            self._send(proxy.id, opcode, "")
        self._objects.pop(proxy.id, None)

    # -- wire -----------------------------------------------------------------------------------
    def _send(self, object_id: int, opcode: int, kinds: str, *args: Any) -> None:
        payload = bytearray()
        fds: list[int] = []
        for kind, value in zip(kinds, args, strict=True):
            if kind in "iu" or kind in "on":
                payload += struct.pack("=i" if kind == "i" else "=I", value)
            elif kind == "f":
                payload += struct.pack("=i", int(value * 256))
            elif kind == "s":
                data = value.encode() + b"\0"
                payload += (
                    struct.pack("=I", len(data)) + data + b"\0" * (_pad(len(data)) - len(data))
                )
            elif kind == "a":
                payload += (
                    struct.pack("=I", len(value)) + value + b"\0" * (_pad(len(value)) - len(value))
                )
            elif kind == "h":
                fds.append(value)
        header = struct.pack("=II", object_id, ((8 + len(payload)) << 16) | opcode)
        data = header + bytes(payload)
        try:
            if fds:
                self._sock.sendmsg(
                    [data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
                )
            else:
                self._sock.sendall(data)
        except OSError as error:
            raise WaylandError(f"The Wayland connection closed ({error}).") from None

    def _read(self, timeout: float) -> bool:
        self._sock.settimeout(timeout)
        fds = array.array("i")
        try:
            data, ancdata, _, _ = self._sock.recvmsg(65536, socket.CMSG_LEN(28 * fds.itemsize))
        except (TimeoutError, BlockingIOError):
            return False
        except OSError as error:
            raise WaylandError(f"The Wayland connection closed ({error}).") from None
        if not data:
            raise WaylandError("The Wayland compositor closed the connection.")
        for level, kind, blob in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(blob[: len(blob) - (len(blob) % fds.itemsize)])
        self._fds.extend(fds)
        self._buffer += data
        self._dispatch()
        return True

    def _dispatch(self) -> None:
        while len(self._buffer) >= 8:
            object_id, word = struct.unpack_from("=II", self._buffer)
            size, opcode = word >> 16, word & 0xFFFF
            if len(self._buffer) < size:
                return
            body, self._buffer = self._buffer[8:size], self._buffer[size:]
            proxy = self._objects.get(object_id)
            if proxy is None:
                continue  # an object we destroyed meanwhile
            table = EVENTS.get(proxy.interface, [])
            if opcode >= len(table):
                continue
            name, kinds = table[opcode]
            args = self._unpack(body, kinds)
            if proxy.interface == "wl_display":
                if name == "error":
                    raise WaylandError(
                        f"Wayland protocol error {args[1]} on object {args[0]}: {args[2]}"
                    )
                if name == "delete_id":
                    self._objects.pop(args[0], None)
                continue
            if proxy.handler is not None:
                proxy.handler(name, args)
            else:
                proxy.events.append((name, args))

    def _unpack(self, body: bytes, kinds: str) -> tuple[Any, ...]:
        out: list[Any] = []
        offset = 0
        for kind in kinds:
            if kind == "h":
                out.append(self._fds.pop(0) if self._fds else -1)
                continue
            if kind == "i":
                out.append(struct.unpack_from("=i", body, offset)[0])
                offset += 4
            elif kind in "uon":
                out.append(struct.unpack_from("=I", body, offset)[0])
                offset += 4
            elif kind == "f":
                out.append(struct.unpack_from("=i", body, offset)[0] / 256)
                offset += 4
            elif kind in "sa":
                (length,) = struct.unpack_from("=I", body, offset)
                offset += 4
                raw = body[offset : offset + length]
                offset += _pad(length)
                out.append(raw[:-1].decode("utf-8", "replace") if kind == "s" else raw)
        return tuple(out)

    def roundtrip(self, timeout: float | None = None) -> None:
        """Wait until the compositor has handled every request sent so far."""
        callback = self._new("wl_callback")
        done: list[bool] = []
        callback.handler = lambda name, args: done.append(True)
        self._send(1, 0, "n", callback.id)  # wl_display.sync
        self.dispatch_until(lambda: bool(done), timeout)
        self._objects.pop(callback.id, None)

    def dispatch_until(self, condition: Callable[[], bool], timeout: float | None = None) -> bool:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._read(left)
        return True

    def dispatch_pending(self) -> None:
        """Handle whatever already arrived, without waiting."""
        while self._read(0.0):
            pass

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()
        with contextlib.suppress(OSError):
            self._sock.close()

    # -- registry -------------------------------------------------------------------------------
    def _registry_event(self, name: str, args: tuple[Any, ...]) -> None:
        if name == "global":
            number, interface, version = args
            if interface == "wl_output":
                self.outputs_by_name[number] = Output()
            self.globals.setdefault(interface, (number, version))
        elif name == "global_remove":
            self.outputs_by_name.pop(args[0], None)
            for interface, (number, _) in list(self.globals.items()):
                if number == args[0]:
                    del self.globals[interface]

    def outputs(self) -> list[Output]:
        """Every output with its mode, scale, name and place in the layout."""
        manager = (
            self.bind("zxdg_output_manager_v1", 3)
            if "zxdg_output_manager_v1" in self.globals
            else None
        )
        for number, output in self.outputs_by_name.items():
            if output.proxy is None:
                version = min(4, self.globals.get("wl_output", (0, 1))[1])
                output.proxy = self.bind("wl_output", version, number)
                output.proxy.handler = _output_handler(output)
                if manager is not None:
                    xdg = self.request(
                        manager, 1, "no", None, output.proxy.id, new="zxdg_output_v1"
                    )
                    assert xdg is not None
                    xdg.handler = _xdg_output_handler(output)
        self.roundtrip()
        self.roundtrip()
        return [o for o in self.outputs_by_name.values() if o.width and o.height]


def _output_handler(output: Output) -> Callable[[str, tuple[Any, ...]], None]:
    def handle(name: str, args: tuple[Any, ...]) -> None:
        if name == "geometry":
            output.x, output.y = args[0], args[1]
        elif name == "mode" and args[0] & 1:  # the current mode
            output.width, output.height = args[1], args[2]
        elif name == "scale":
            output.scale = args[0]
        elif name == "name":
            output.name = args[0]

    return handle


def _xdg_output_handler(output: Output) -> Callable[[str, tuple[Any, ...]], None]:
    state: dict[str, tuple[int, int]] = {}

    def handle(name: str, args: tuple[Any, ...]) -> None:
        if name in ("logical_position", "logical_size"):
            state[name] = (args[0], args[1])
            if len(state) == 2:
                (x, y), (w, h) = state["logical_position"], state["logical_size"]
                output.logical = (x, y, w, h)
        elif name == "name" and not output.name:
            output.name = args[0]

    return handle


def output_rects() -> list[Rect]:
    """The outputs' places in the compositor's layout (wl_output and xdg-output)."""
    connection = Connection()
    try:
        return [Rect(*output.layout) for output in connection.outputs()]
    finally:
        connection.close()
