"""Real desktops for the accessibility and Wayland capture tests, started by the tests:

- `SessionBus`: a private session D-Bus (the accessibility bus is started from it on demand);
- `Sway`: headless sway (pixman renderer), run as `nobody` when the tests run as root (sway
  refuses root), with a virtual keyboard so windows get focus as on a real desk;
- `Mutter`: GNOME's compositor, headless with a virtual monitor, a virtual keyboard through
  its RemoteDesktop interface, and (`portal=True`) PipeWire, WirePlumber,
  xdg-desktop-portal and xdg-desktop-portal-gnome;
- `AppWindow`: a GTK 3 window (Debian's python3-gi, run by the system Python) or a Qt window
  (PySide6 from the venv) showing known text, driven through its stdin; a GTK window can also
  paint its text on a canvas (a drawing area that publishes no text) or hold a password field.

Used by tests/integration/test_capture_accessible.py, test_capture_wayland.py and
scripts/bench/capture_accessible.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

SYSTEM_PYTHON = "/usr/bin/python3"

GTK_WINDOW = r"""
import sys, threading, gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, GLib
title, mode, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
GLib.set_prgname(next((a[4:] for a in sys.argv[4:] if a.startswith("app=")), "memloci-test"))
text = sys.stdin.readline().replace("\\n", "\n").rstrip("\n")
win = Gtk.Window(title=title)
win.set_default_size(900, 600)
box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
state = {"text": text}
if mode.startswith("canvas"):  # text painted with cairo: nothing to read but pixels
    area = Gtk.DrawingArea()
    def draw(widget, cr):
        cr.set_source_rgb(1, 1, 1); cr.paint(); cr.set_source_rgb(0, 0, 0)
        cr.select_font_face("DejaVu Sans"); cr.set_font_size(size)
        for i, line in enumerate(state["text"].split("\n")):
            cr.move_to(20, 40 + i * size * 1.6); cr.show_text(line)
    area.connect("draw", draw)
    box.pack_start(area, True, True, 0)
    view = None
else:
    scroller = Gtk.ScrolledWindow()
    view = Gtk.TextView(); view.set_wrap_mode(Gtk.WrapMode.WORD)
    points = next((a[5:] for a in sys.argv[4:] if a.startswith("font=")), "")
    if points:  # a smaller or larger text font, as dense applications use
        css = Gtk.CssProvider()
        css.load_from_data(f"textview {{ font: {points}pt Sans; }}".encode())
        view.get_style_context().add_provider(css, 800)
    view.get_buffer().set_text(text)
    scroller.add(view)
    box.pack_start(scroller, True, True, 0)
    if mode == "password":
        entry = Gtk.Entry(); entry.set_visibility(False); entry.set_text("Tr0ub4dor-hidden-pw")
        box.pack_start(entry, False, False, 0)
win.add(box)
if mode == "canvas" or "max" in sys.argv[4:]:
    win.maximize()
win.connect("destroy", Gtk.main_quit)
def command(line):
    verb, _, arg = line.partition(" ")
    arg = arg.replace("\\n", "\n")
    if verb == "title":
        win.set_title(arg)
    elif verb == "replace":
        state["text"] = arg
        if view is not None: view.get_buffer().set_text(arg)
        else: area.queue_draw()
    elif verb == "append":
        state["text"] += arg
        if view is not None:
            buf = view.get_buffer(); buf.insert(buf.get_end_iter(), arg)
        else: area.queue_draw()
    elif verb == "present":
        win.present()
    elif verb == "quit":
        Gtk.main_quit()
    return False
def listen():
    for line in sys.stdin:
        GLib.idle_add(command, line.rstrip("\n"))
    GLib.idle_add(Gtk.main_quit)
threading.Thread(target=listen, daemon=True).start()
win.show_all()
GLib.timeout_add(200, lambda: print("ready", flush=True) and False)
Gtk.main()
"""

QT_WINDOW = r"""
import sys, threading
from PySide6.QtCore import QTimer, Signal, QObject
from PySide6.QtWidgets import QApplication, QMainWindow, QPlainTextEdit
title = sys.argv[1]
text = sys.stdin.readline().replace("\\n", "\n").rstrip("\n")
app = QApplication(sys.argv[:1])
win = QMainWindow(); win.setWindowTitle(title)
edit = QPlainTextEdit(); edit.setPlainText(text); win.setCentralWidget(edit)
win.resize(900, 600); win.show()
class Relay(QObject):
    line = Signal(str)
relay = Relay()
def command(line):
    verb, _, arg = line.partition(" ")
    arg = arg.replace("\\n", "\n")
    if verb == "title": win.setWindowTitle(arg)
    elif verb == "replace": edit.setPlainText(arg)
    elif verb == "append": edit.appendPlainText(arg)
    elif verb == "present": win.raise_(); win.activateWindow()
    elif verb == "quit": app.quit()
relay.line.connect(command)
def listen():
    for line in sys.stdin:
        relay.line.emit(line.rstrip("\n"))
    relay.line.emit("quit")
threading.Thread(target=listen, daemon=True).start()
QTimer.singleShot(300, lambda: print("ready", flush=True))
app.exec()
"""


def gtk_missing() -> str:
    """Why GTK test windows cannot run here ('' when they can)."""
    if not os.path.exists(SYSTEM_PYTHON):
        return "no system Python for GTK (install python3-gi, gir1.2-gtk-3.0)"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('Gtk', '3.0')"],
        capture_output=True,
        timeout=30,
    )
    if probe.returncode != 0:
        return "GTK 3 introspection missing (gir1.2-gtk-3.0)"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_foreign('cairo')"],
        capture_output=True,
        timeout=30,
    )
    return "" if probe.returncode == 0 else "cairo for PyGObject missing (python3-gi-cairo)"


def tools_missing(*tools: str) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None and not os.path.exists(tool)]


def _wait(predicate: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not happen within {seconds:.0f} s")


def _stop(process: subprocess.Popen[Any] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class SessionBus:
    """A private session bus; services (the accessibility bus, the portals) are started from
    it with the environment given here."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        assert self.process.stdout is not None
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            _stop(self.process)
            raise RuntimeError("dbus-daemon did not start")

    def stop(self) -> None:
        _stop(self.process)


class Desk:
    """Shared plumbing: a runtime directory, an environment, processes to stop at the end."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="memloci-desk-"))
        self.runtime = self.root / "run"
        self.runtime.mkdir(mode=0o700)
        self.env: dict[str, str] = {
            k: v
            for k, v in os.environ.items()
            if k
            not in (
                "DISPLAY",
                "WAYLAND_DISPLAY",
                "SWAYSOCK",
                "DBUS_SESSION_BUS_ADDRESS",
                "XDG_SESSION_TYPE",
                "XDG_SESSION_ID",
                "XDG_CURRENT_DESKTOP",
                "HYPRLAND_INSTANCE_SIGNATURE",
                "KDE_FULL_SESSION",
            )
        }
        self.env.update(
            XDG_RUNTIME_DIR=str(self.runtime),
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_DATA_HOME=str(self.root / "data"),
            HOME=str(self.root),
            NO_AT_BRIDGE="0",
        )
        self.processes: list[subprocess.Popen[Any]] = []
        self.windows: list[AppWindow] = []
        self.bus: SessionBus | None = None

    def start_bus(self) -> None:
        self.bus = SessionBus(self.env)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.address

    def spawn(self, argv: list[str], **kw: Any) -> subprocess.Popen[Any]:
        log = open(self.root / f"{Path(argv[0]).name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            argv, env={**self.env, **kw.pop("env", {})}, stdout=log, stderr=log, **kw
        )
        log.close()
        self.processes.append(process)
        return process

    def apply(self, monkeypatch: Any) -> None:
        """Make this desk the one the code under test sees."""
        for key in (
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "SWAYSOCK",
            "XDG_SESSION_TYPE",
            "XDG_SESSION_ID",
            "XDG_CURRENT_DESKTOP",
            "HYPRLAND_INSTANCE_SIGNATURE",
            "KDE_FULL_SESSION",
        ):
            monkeypatch.delenv(key, raising=False)
        for key in (
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "SWAYSOCK",
            "XDG_RUNTIME_DIR",
            "DBUS_SESSION_BUS_ADDRESS",
            "XDG_CURRENT_DESKTOP",
        ):
            if key in self.env:
                monkeypatch.setenv(key, self.env[key])

    def gtk(
        self, title: str, text: str, mode: str = "text", size: int = 18, *extra: str
    ) -> AppWindow:
        window = AppWindow(self, "gtk", title, text, mode, size, extra)
        self.windows.append(window)
        return window

    def qt(self, title: str, text: str) -> AppWindow:
        window = AppWindow(self, "qt", title, text)
        self.windows.append(window)
        return window

    def stop(self) -> None:
        for window in self.windows:
            window.close()
        for process in reversed(self.processes):
            _stop(process)
        if self.bus is not None:
            self.bus.stop()
        if not os.environ.get("MEMLOCI_KEEP_DESK"):
            shutil.rmtree(self.root, ignore_errors=True)


class AppWindow:
    """A GTK or Qt window showing known text; `send` drives it (title, replace, append,
    present, quit)."""

    def __init__(
        self,
        desk: Desk,
        toolkit: str,
        title: str,
        text: str,
        mode: str = "text",
        size: int = 18,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.title = title
        self.toolkit = toolkit
        if toolkit == "gtk":
            argv = [SYSTEM_PYTHON, "-c", GTK_WINDOW, title, mode, str(size), *extra]
            env = {"GDK_BACKEND": "wayland" if "WAYLAND_DISPLAY" in desk.env else "x11"}
        else:
            argv = [sys.executable, "-c", QT_WINDOW, title]
            env = {"QT_QPA_PLATFORM": "wayland" if "WAYLAND_DISPLAY" in desk.env else "xcb"}
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**desk.env, **env},
            text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(text.replace("\n", "\\n") + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline().strip()
        if line != "ready":
            self.close()
            raise RuntimeError(f"the {toolkit} window {title!r} did not start")
        self.pid = self.process.pid

    def send(self, verb: str, arg: str = "") -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{verb} {arg}".replace("\n", "\\n").rstrip() + "\n")
        self.process.stdin.flush()
        if verb == "title":
            self.title = arg

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("quit")
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# -- X11 ---------------------------------------------------------------------------------------
class X11Desk(Desk):
    """Xvfb (tests/xdesk.py) with a session bus, so X11 applications publish their text."""

    def __init__(self) -> None:
        from tests.xdesk import XServer

        super().__init__()
        self.x = XServer(1280, 800)
        self.env.update(DISPLAY=self.x.display, XDG_SESSION_TYPE="x11")
        self.start_bus()

    def focus(self, window: AppWindow) -> None:
        ids = self.x.xdotool("search", "--sync", "--onlyvisible", "--pid", str(window.pid)).split()
        self.x.xdotool("windowraise", ids[-1])
        self.x.xdotool("windowfocus", "--sync", ids[-1])

    def stop(self) -> None:
        super().stop()
        self.x.stop()


# -- sway -----------------------------------------------------------------------------------------
SWAY_CONFIG = """
output HEADLESS-1 resolution 1280x800
default_border none
default_floating_border none
focus_on_window_activation focus
for_window [title="^float "] floating enable, resize set 700 450, move position 400 250
"""


class Sway(Desk):
    """Headless sway with a virtual keyboard (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        config = self.root / "sway.conf"
        config.write_text(SWAY_CONFIG)
        config.chmod(0o644)
        self.root.chmod(0o755)
        self.env.update(
            WLR_BACKENDS="headless",
            WLR_RENDERER="pixman",
            WLR_LIBINPUT_NO_DEVICES="1",
            XDG_CURRENT_DESKTOP="sway",
            XDG_SESSION_TYPE="wayland",
        )
        argv = ["sway", "-c", str(config)]
        if os.geteuid() == 0:  # sway refuses to run as root: run it as nobody
            os.chown(self.runtime, 65534, 65534)
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
        self.spawn(argv)
        socket = _wait(
            lambda: next(iter(self.runtime.glob("sway-ipc.*.sock")), None), 15, "sway's start"
        )
        display = _wait(
            lambda: next(
                (p.name for p in self.runtime.glob("wayland-*") if not p.name.endswith(".lock")),
                None,
            ),
            15,
            "sway's Wayland socket",
        )
        self.env.update(SWAYSOCK=str(socket), WAYLAND_DISPLAY=display)
        self.start_bus()
        self.keyboard = WaylandKeyboard(self.runtime / display)

    def command(self, text: str) -> Any:
        from app.capture.sway import RUN_COMMAND, SwayIpc

        ipc = SwayIpc(self.env["SWAYSOCK"])
        try:
            return ipc.request(RUN_COMMAND, text)
        finally:
            ipc.close()

    def focus(self, window: AppWindow) -> None:
        self.command(f"[pid={window.pid}] focus")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.keyboard.close()
        super().stop()


class WaylandKeyboard:
    """A keyboard for a wlroots compositor (zwp_virtual_keyboard_v1): the seat then has a
    keyboard, so the focused window is activated as on a real desk; `type` types ASCII."""

    KEYS: ClassVar[dict[str, Any]] = {
        **{c: code for c, code in zip("qwertyuiop", range(16, 26), strict=True)},
        **{c: code for c, code in zip("asdfghjkl", range(30, 39), strict=True)},
        **{c: code for c, code in zip("zxcvbnm", range(44, 51), strict=True)},
        **{c: code for c, code in zip("1234567890", range(2, 12), strict=True)},
        " ": 57,
        "\n": 28,
        "-": 12,
        ".": 52,
        ",": 51,
        "/": 53,
        ":": (39, True),
        ";": 39,
        "'": 40,
    }

    def __init__(self, display: Path) -> None:
        from app.capture.wlwire import Connection

        self.connection = Connection(str(display))
        seat = self.connection.bind("wl_seat", 1)
        manager = self.connection.bind("zwp_virtual_keyboard_manager_v1", 1)
        keyboard = self.connection.request(
            manager, 0, "on", seat.id, None, new="zwp_virtual_keyboard_v1"
        )
        assert keyboard is not None
        self.keyboard = keyboard
        keymap = us_keymap()
        fd = os.memfd_create("keymap")
        os.write(fd, keymap)
        self.connection.request(keyboard, 0, "uhu", 1, fd, len(keymap))  # XKB_V1
        self.connection.roundtrip()
        os.close(fd)
        self._time = 0

    def key(self, code: int, shift: bool = False) -> None:
        if shift:
            self.connection.request(self.keyboard, 2, "uuuu", 1, 0, 0, 0)
        for state in (1, 0):
            self._time += 10
            self.connection.request(self.keyboard, 1, "uuu", self._time, code, state)
        if shift:
            self.connection.request(self.keyboard, 2, "uuuu", 0, 0, 0, 0)
        self.connection.roundtrip()

    def type(self, text: str, delay: float = 0.02) -> None:
        for char in text:
            entry = self.KEYS.get(char.lower())
            if entry is None:
                continue
            code, shift = entry if isinstance(entry, tuple) else (entry, char.isupper())
            self.key(code, shift)
            time.sleep(delay)

    def close(self) -> None:
        self.connection.close()


def us_keymap() -> bytes:
    """The US keymap as XKB text, compiled by libxkbcommon (what compositors load)."""
    lib = ctypes.CDLL("libxkbcommon.so.0")
    lib.xkb_context_new.restype = ctypes.c_void_p
    lib.xkb_keymap_new_from_names.restype = ctypes.c_void_p
    lib.xkb_keymap_new_from_names.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.xkb_keymap_get_as_string.restype = ctypes.c_void_p
    lib.xkb_keymap_get_as_string.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.xkb_keymap_unref.argtypes = [ctypes.c_void_p]
    lib.xkb_context_unref.argtypes = [ctypes.c_void_p]
    context = lib.xkb_context_new(0)
    keymap = lib.xkb_keymap_new_from_names(context, None, 0)
    pointer = lib.xkb_keymap_get_as_string(keymap, 1)
    text = ctypes.string_at(pointer) + b"\0"
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free(pointer)
    lib.xkb_keymap_unref(keymap)
    lib.xkb_context_unref(context)
    return text


# -- GNOME's mutter -------------------------------------------------------------------------------
class Mutter(Desk):
    """Headless mutter with a virtual monitor and a virtual keyboard; `portal` adds PipeWire,
    WirePlumber and the desktop portals (ScreenCast through xdg-desktop-portal-gnome)."""

    def __init__(self, portal: bool = False) -> None:
        super().__init__()
        self.env.update(XDG_CURRENT_DESKTOP="GNOME", XDG_SESSION_TYPE="wayland")
        self.start_bus()
        self.spawn(
            [
                "mutter",
                "--headless",
                "--virtual-monitor",
                "1280x800",
                "--wayland",
                "--no-x11",
                "--wayland-display=wayland-memloci",
                "--sm-disable",
            ]
        )
        _wait(lambda: (self.runtime / "wayland-memloci").exists(), 20, "mutter's start")
        self.env["WAYLAND_DISPLAY"] = "wayland-memloci"
        self._remote = ""
        self._bus: Any = None
        _wait(self._keyboard, 20, "mutter's remote desktop interface")
        if portal:
            self.spawn(["pipewire"])
            _wait(lambda: (self.runtime / "pipewire-0").exists(), 15, "PipeWire's start")
            self.spawn(["wireplumber"])
            self.spawn(["/usr/libexec/xdg-desktop-portal", "-r"])
            self.spawn(["/usr/libexec/xdg-desktop-portal-gnome", "-r"])
            time.sleep(1.5)

    def _keyboard(self) -> bool:
        """A RemoteDesktop session: mutter then has a keyboard (windows get activated)."""
        from app.capture.dbus import Bus, BusError, Call

        try:
            bus = Bus(self.env["DBUS_SESSION_BUS_ADDRESS"], timeout=5)
        except Exception:
            return False
        name, iface = "org.gnome.Mutter.RemoteDesktop", "org.gnome.Mutter.RemoteDesktop"
        try:
            path = bus.call(Call(name, "/org/gnome/Mutter/RemoteDesktop", iface, "CreateSession"))[
                0
            ]
            bus.call(Call(name, path, iface + ".Session", "Start"))
            for pressed in (True, False):  # Shift: the seat now has a keyboard
                bus.call(
                    Call(
                        name, path, iface + ".Session", "NotifyKeyboardKeycode", "ub", (42, pressed)
                    )
                )
        except BusError:
            bus.close()
            return False
        self._remote, self._bus = path, bus
        return True

    def stop(self) -> None:
        if self._bus is not None:
            self._bus.close()
        super().stop()


def answer_share_dialog(
    env: dict[str, str],
    share: bool = True,
    seconds: float = 30,
    stop: threading.Event | None = None,
) -> bool:
    """Act as the person in front of GNOME's "Screen Share" dialog: pick the monitor and
    press Share (or Cancel), through the accessibility bus. False when no dialog came within
    `seconds` (or before `stop` was set)."""
    from app.capture.atspi import ACCESSIBLE, PROPS, Atspi, Ref
    from app.capture.dbus import BusError, Call
    from app.capture.platforms import PlatformUnavailable

    saved = {k: os.environ.get(k) for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")}
    os.environ.update({k: env[k] for k in saved})
    atspi = Atspi(enable=True)
    try:
        deadline = time.monotonic() + seconds
        dialog = None
        while dialog is None and time.monotonic() < deadline and not (stop and stop.is_set()):
            dialog = next(
                (f for f in atspi.frames(atspi.applications()) if f.title == "Screen Share"), None
            )
            if dialog is None:
                time.sleep(0.2)
        if dialog is None:
            return False
        bus = atspi.bus()

        def find(ref: Ref, role: str, name: str = "") -> list[Ref]:
            got, label, children = replies = bus.calls(
                [
                    Call(ref.bus, ref.path, ACCESSIBLE, "GetRoleName"),
                    Call(ref.bus, ref.path, PROPS, "Get", "ss", (ACCESSIBLE, "Name")),
                    Call(ref.bus, ref.path, ACCESSIBLE, "GetChildren"),
                ],
                timeout=10,
            )
            failed = next((r for r in replies if isinstance(r, BusError)), None)
            if failed is not None:  # a loaded machine: the dialog answers slowly; ask again
                raise failed
            found = [ref] if got[0] == role and name in label[0][1] else []
            for child_bus, child_path in children[0]:
                found += find(Ref(child_bus, child_path), role, name)
            return found

        while True:
            try:
                if share:
                    listing = find(dialog.ref, "list")[0]
                    select = ("org.a11y.atspi.Selection", "SelectChild", "i", (0,))
                    bus.call(Call(listing.bus, listing.path, *select))
                    time.sleep(0.3)
                button = find(dialog.ref, "button", "Share" if share else "Cancel")[-1]
                bus.call(
                    Call(button.bus, button.path, "org.a11y.atspi.Action", "DoAction", "i", (0,))
                )
                return True
            except BusError:
                if time.monotonic() > deadline + 30:
                    raise
    except PlatformUnavailable:  # the desk went away while waiting
        return False
    finally:
        atspi.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def locker(desk: Desk) -> subprocess.Popen[Any]:
    """A process named like a Wayland screen locker (its name is what capture checks)."""
    path = desk.root / "swaylock"
    shutil.copy("/bin/sleep", path)
    process = subprocess.Popen([str(path), "600"])
    desk.processes.append(process)
    return process


def interrupt(process: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
