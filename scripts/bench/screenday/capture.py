"""`memloci capture run` as a person runs it, in its own process and store, with the settings
of one variant; its CPU (threads and tesseract children) read from the kernel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _capture import cpu_of, store_bytes
from _common import BENCH_PASSPHRASE


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """'name:key=value key=value', 'key=value ...' or 'default' -> (name, settings)."""
    name, _, rest = text.partition(":") if ":" in text.split("=")[0] else ("", "", text)
    settings: dict[str, str] = {}
    for pair in rest.split():
        if pair == "default":
            continue
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"not a setting: {pair!r} (want section.key=value)")
        settings[key if "." in key else f"capture.{key}"] = value
    label = name or (" ".join(f"{k.split('.')[-1]}={v}" for k, v in settings.items()) or "default")
    return label, settings


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class CaptureRun:
    """One capture process and its store."""

    name: str
    settings: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="memloci-day-")))
    process: subprocess.Popen[str] | None = None
    cpu_start: float = 0.0
    mono_start: float = 0.0
    cpu_total: float = 0.0
    mono_end: float = 0.0
    bytes_before: int = 0
    data_before: int = 0
    stderr: str = ""
    output: list[str] = field(default_factory=list)  # what `capture run` printed
    errors: Any = None  # the file its standard error goes to
    grown: tuple[int, int] = (0, 0)  # storage growth when the capture ended

    def __post_init__(self) -> None:
        skip = ("WAYLAND_DISPLAY", "XDG_SESSION_ID", "XDG_SESSION_TYPE")
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in skip},
            **self.env,
            "MEMLOCI_HOME": str(self.home),
            "MEMLOCI_PASSPHRASE": BENCH_PASSPHRASE,
        }

    def memloci(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "app", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode:
            raise SystemExit(f"memloci {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def prepare(self) -> None:
        self.memloci("init")
        for key, value in self.settings.items():
            self.memloci("config", "set", key, value)
        self.bytes_before = store_bytes(self.home)
        self.data_before = folder_bytes(self.home / "data")

    def start(self, seconds: float, display: str) -> None:
        """Start capturing; returns once it says so (unlocking and imports are not counted).
        Its output is drained by a thread and its errors go to a file, so no pipe fills up."""
        self.env["DISPLAY"] = display
        self.errors = (self.home / "capture-stderr.txt").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "capture", "run", "--seconds", f"{seconds:.0f}"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("Capturing"):
            self.process.wait(30)
            self.errors.seek(0)
            raise SystemExit(f"capture run did not start: {line}{self.errors.read()[-2000:]}")
        self.cpu_start = cpu_of(self.process.pid, children=True)
        self.mono_start = time.monotonic()
        drain = threading.Thread(target=self.output.extend, args=(self.process.stdout,))
        drain.daemon = True
        drain.start()

    def cpu(self) -> float:
        """CPU seconds since capturing began (threads and finished tesseract children)."""
        assert self.process is not None
        try:
            return cpu_of(self.process.pid, children=True) - self.cpu_start
        except (OSError, IndexError):
            return self.cpu_total

    def wait(self) -> None:
        """Until the run ends (its --seconds, then reading what is queued)."""
        assert self.process is not None
        _, status, usage = os.wait4(self.process.pid, 0)
        self.mono_end = time.monotonic()
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self.cpu_total = usage.ru_utime + usage.ru_stime - self.cpu_start
        self.errors.seek(0)
        self.stderr = self.errors.read()
        self.errors.close()
        if self.process.returncode:
            raise SystemExit(f"capture run failed: {self.stderr.strip()[-2000:]}")
        self.grown = self.storage()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)

    @property
    def cpu_share(self) -> float:
        """Share of one core over the day and the reading of what was left queued."""
        return self.cpu_total / max(1e-9, self.mono_end - self.mono_start)

    def status(self) -> dict[str, Any]:
        return json.loads(self.memloci("capture", "status", "--json").stdout)

    def storage(self) -> tuple[int, int]:
        """Growth of the database files and of the whole data folder (vectors included)."""
        return (
            store_bytes(self.home) - self.bytes_before,
            folder_bytes(self.home / "data") - self.data_before,
        )

    def remove(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
