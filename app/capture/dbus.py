"""A small blocking D-Bus client on jeepney (pure Python, no GLib main loop): method calls
with a deadline, many calls sent at once and their replies collected (one round trip for a
batch instead of one per call), and signal subscriptions.

One `Bus` is used from one thread, like the X connections in `app.capture.x11`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.capture.platforms import PlatformUnavailable


class BusError(Exception):
    """A D-Bus call failed: the error's name and message from the other side, or a timeout."""

    def __init__(self, name: str, message: str = "") -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.name = name


class BusTimeout(BusError):
    def __init__(self, what: str) -> None:
        super().__init__("timeout", f"no answer to {what}")


@dataclass(frozen=True)
class Call:
    """One method call: destination, object path, interface, method, signature, arguments."""

    dest: str
    path: str
    interface: str
    method: str
    signature: str = ""
    body: tuple[Any, ...] = ()


def session_address() -> str:
    """The session bus's address: the environment, else the systemd user bus socket."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return "unix:path=" + os.path.join(runtime, "bus")
    raise PlatformUnavailable(
        "There is no session D-Bus (DBUS_SESSION_BUS_ADDRESS is not set), so applications "
        "cannot be asked what they show."
    )


class Bus:
    """A connection to one bus. `timeout` bounds every call that gives none of its own."""

    def __init__(self, address: str, *, timeout: float = 1.0, fds: bool = False) -> None:
        from jeepney.io.blocking import open_dbus_connection

        self.address = address
        self.timeout = timeout
        try:
            self._conn = open_dbus_connection(address, enable_fds=fds, auth_timeout=timeout)
        except (OSError, RuntimeError, ValueError, TimeoutError) as error:
            raise PlatformUnavailable(
                f"Cannot connect to the D-Bus at {address.split(',')[0]}: {error}."
            ) from None
        self.unique_name: str = self._conn.unique_name
        self._signals: deque[Any] = deque(maxlen=512)
        self._rules: list[Any] = []

    @classmethod
    def session(cls, *, timeout: float = 1.0, fds: bool = False) -> Bus:
        return cls(session_address(), timeout=timeout, fds=fds)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()

    # -- calls ----------------------------------------------------------------------------------
    def _message(self, call: Call) -> Any:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(call.path, bus_name=call.dest, interface=call.interface)
        return new_method_call(address, call.method, call.signature or None, call.body)

    def call(self, call: Call, *, timeout: float | None = None) -> tuple[Any, ...]:
        """The reply's values; `BusError` when the other side answers with an error."""
        result = self.calls([call], timeout=timeout)[0]
        if isinstance(result, BusError):
            raise result
        return result

    def calls(
        self, calls: Sequence[Call], *, timeout: float | None = None
    ) -> list[tuple[Any, ...] | BusError]:
        """Send every call, then collect the replies: one round trip for the batch. Each
        result is the reply's values or the `BusError` it failed with (a call left without an
        answer at the deadline gets a `BusTimeout`)."""
        from jeepney import HeaderFields, MessageType

        if not calls:
            return []
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        waiting: dict[int, int] = {}
        try:
            for index, call in enumerate(calls):
                serial = next(self._conn.outgoing_serial)
                self._conn.send(self._message(call), serial=serial)
                waiting[serial] = index
        except OSError as error:
            raise PlatformUnavailable(f"The D-Bus connection closed ({error}).") from None
        results: list[tuple[Any, ...] | BusError | None] = [None] * len(calls)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                message = self._conn.receive(timeout=left)
            except TimeoutError:
                break
            except (OSError, ValueError) as error:
                raise PlatformUnavailable(f"The D-Bus connection closed ({error}).") from None
            header = message.header
            serial = header.fields.get(HeaderFields.reply_serial, -1)
            if serial not in waiting:
                if header.message_type == MessageType.signal:
                    self._signals.append(message)
                continue
            index = waiting.pop(serial)
            if header.message_type == MessageType.error:
                detail = (
                    message.body[0] if message.body and isinstance(message.body[0], str) else ""
                )
                name = header.fields.get(HeaderFields.error_name, "error")
                results[index] = BusError(name, detail.strip())
            else:
                results[index] = tuple(message.body)
        for index in waiting.values():
            results[index] = BusTimeout(f"{calls[index].interface}.{calls[index].method}")
        return [r if r is not None else BusTimeout("a call") for r in results]

    def get(self, dest: str, path: str, interface: str, name: str, **kw: Any) -> Any:
        """One property's value."""
        body = self.call(
            Call(dest, path, "org.freedesktop.DBus.Properties", "Get", "ss", (interface, name)),
            **kw,
        )
        return body[0][1]

    def set(self, dest: str, path: str, interface: str, name: str, sig: str, value: Any) -> None:
        self.call(
            Call(
                dest,
                path,
                "org.freedesktop.DBus.Properties",
                "Set",
                "ssv",
                (interface, name, (sig, value)),
            )
        )

    def pid_of(self, name: str) -> int:
        """The process id behind a bus name (the bus daemon knows it from the socket)."""
        body = self.call(
            Call(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "GetConnectionUnixProcessID",
                "s",
                (name,),
            )
        )
        return int(body[0])

    # -- signals --------------------------------------------------------------------------------
    def subscribe(self, **rule: Any) -> None:
        """Ask the bus for signals matching `rule` (jeepney MatchRule keywords)."""
        from jeepney import MatchRule

        match = MatchRule(type="signal", **rule)
        self.call(
            Call(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "AddMatch",
                "s",
                (match.serialise(),),
            )
        )
        self._rules.append(match)

    def signals(self, timeout: float) -> Iterable[Any]:
        """Signals received (waiting up to `timeout` for the first one)."""
        from jeepney import MessageType

        while self._signals:
            yield self._signals.popleft()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                message = self._conn.receive(timeout=max(left, 0.0))
            except TimeoutError:
                return
            except (OSError, ValueError) as error:
                raise PlatformUnavailable(f"The D-Bus connection closed ({error}).") from None
            if message.header.message_type == MessageType.signal:
                yield message
            deadline = time.monotonic()  # after the first, take only what is already here

    def fileno(self) -> int:
        return int(self._conn.sock.fileno())

    @property
    def connection(self) -> Any:
        return self._conn
