"""A real X desktop for capture tests and benchmarks: Xvfb on a free display, small Tk windows
showing known text (driven through their stdin), xdotool for focus and typing.

Used by tests/integration/test_capture_x11.py and scripts/bench/capture_*.py. Tk, not Qt: Qt
stays inside app/ui and the UI tests.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

TK_WINDOW = r"""
import sys, threading, tkinter as tk
cls, title, geometry, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# argv[5]: "steady" caret (a truly unchanged screen) or "blink" (as editors do)
root = tk.Tk(className=cls)
root.title(title)
root.geometry(geometry)
text = tk.Text(root, font=("DejaVu Sans", size), wrap="word", borderwidth=0, padx=12, pady=12,
               insertofftime=0 if sys.argv[5] == "steady" else 300)
text.pack(fill="both", expand=True)
text.insert("1.0", sys.stdin.readline().replace("\\n", "\n").rstrip("\n"))
text.focus_set()
def command(line):
    verb, _, arg = line.partition(" ")
    arg = arg.replace("\\n", "\n")
    if verb == "append":
        text.insert("end", arg); text.see("end")
    elif verb == "insert":  # "INDEX|TEXT", the view stays where it is
        index, _, rest = arg.partition("|"); text.insert(index, rest)
    elif verb == "replace":
        text.delete("1.0", "end"); text.insert("1.0", arg)
    elif verb == "title":
        root.title(arg)
    elif verb == "scroll":
        text.yview_scroll(int(arg), "units")
    elif verb == "quit":
        root.destroy()
def listen():
    for line in sys.stdin:
        root.after(0, command, line.rstrip("\n"))
    root.after(0, root.destroy)
threading.Thread(target=listen, daemon=True).start()
print("ready", flush=True)
root.mainloop()
"""


def missing_tools() -> list[str]:
    return [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]


class XServer:
    """Xvfb on a display number it picks itself (-displayfd), so parallel runs never clash."""

    def __init__(self, width: int = 1280, height: int = 800) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write),
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        number = b""
        deadline = time.monotonic() + 15
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read], [], [], 0.5)
            if ready:
                chunk = os.read(read, 16)
                if not chunk:
                    break
                number += chunk
        os.close(read)
        if not number.strip():
            self.process.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number.decode().strip()}"
        self.width, self.height = width, height

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY",)}
        return {**env, "DISPLAY": self.display, **extra}

    def xdotool(self, *args: str) -> str:
        result = subprocess.run(
            ["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=30
        )
        return result.stdout.strip()

    def stop(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        if self.process.poll() is None:
            self.process.kill()


@dataclass
class TkWindow:
    """One window; `send` drives it (append, insert, replace, title, scroll, quit)."""

    server: XServer
    cls: str
    title: str
    text: str
    geometry: str = "900x600+0+0"
    size: int = 16
    caret: str = "steady"
    process: subprocess.Popen[str] = field(init=False)
    window_id: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                TK_WINDOW,
                self.cls,
                self.title,
                self.geometry,
                str(self.size),
                self.caret,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=self.server.env(),
            text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(self.text.replace("\n", "\\n") + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "ready"
        ids = self.server.xdotool("search", "--sync", "--classname", self.cls).split()
        self.window_id = ids[-1]
        self.focus()

    def send(self, verb: str, arg: str = "") -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{verb} {arg}".replace("\n", "\\n") + "\n")
        self.process.stdin.flush()

    def focus(self) -> None:
        self.server.xdotool("windowraise", self.window_id)
        self.server.xdotool("windowfocus", "--sync", self.window_id)

    def raise_(self) -> None:
        self.server.xdotool("windowraise", self.window_id)

    def type(self, text: str, delay_ms: int = 30) -> None:
        self.server.xdotool("type", "--delay", str(delay_ms), text)  # XTEST: real input

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("quit")
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
