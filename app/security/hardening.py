"""Keeping the passphrase and the keys inside the process that holds them.

`take_secret_env` moves the passphrase variables out of the environment at start, so no child
(gcc and ld behind ctypes, tesseract, xdotool, Qt probes) inherits them, and blanks them in the
process's original environment block, which /proc/PID/environ shows whatever `os.environ` says.
`protect_process` turns core dumps off (RLIMIT_CORE 0) and, on Linux, makes the process
non-dumpable (PR_SET_DUMPABLE 0), as ssh-agent and gpg-agent do: no core file by any route, and
no other process of the same user may ptrace it or read its /proc/PID/mem, environ, maps or fds.
The price is that debuggers and profilers (gdb, py-spy) need root to attach; a child regains the
default when it execs a program.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

SECRET_ENV = (
    "MEMLOCI_PASSPHRASE",
    "MEMLOCI_NEW_PASSPHRASE",
    "MEMLOCI_BACKUP_PASSPHRASE",
    "MEMLOCI_CLIENT_TOKEN",  # an MCP client's token (memloci mcp)
)
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3

_taken: dict[str, str] = {}
_protected = False


def take_secret_env() -> None:
    """Move the passphrase variables from `os.environ` into this module (call once at start,
    before any child process or thread). Idempotent; a variable set again later is taken again."""
    found = []
    for name in SECRET_ENV:
        value = os.environ.pop(name, None)
        if value is not None:
            _taken[name] = value
            found.append(name)
    if found and sys.platform == "linux":
        _blank_initial_environment(found)


def secret_env(name: str) -> str | None:
    """A passphrase variable's value, whether still in the environment or already taken. An
    empty value counts as not set."""
    return os.environ.get(name) or _taken.get(name) or None


def forget_secret_env() -> None:
    """Drop what was taken (tests start each case from a clean state)."""
    _taken.clear()


def _blank_initial_environment(names: list[str]) -> None:
    """Overwrite the values of `names` with NUL bytes in the environment block the kernel
    set up at exec (its bounds are fields 50 and 51 of /proc/self/stat). Best effort: where
    that block cannot be read or written, the non-dumpable flag still hides it."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])  # fields[0] is field 3, the state
        if not 0 < start < end or end - start > 4 << 20:
            return
        prefixes = tuple(name.encode() + b"=" for name in names)
        with open("/proc/self/mem", "r+b", buffering=0) as mem:
            mem.seek(start)
            offset = 0
            for entry in mem.read(end - start).split(b"\0"):
                if entry.startswith(prefixes):
                    value_at = offset + entry.index(b"=") + 1
                    mem.seek(start + value_at)
                    mem.write(b"\0" * (offset + len(entry) - value_at))
                offset += len(entry) + 1
    except (OSError, ValueError, IndexError) as error:
        log.info("the initial environment could not be blanked: %s", error.__class__.__name__)


def protect_process() -> None:
    """No core dumps, and (Linux) not dumpable: for any process that holds the data key."""
    global _protected
    if _protected:
        return
    _protected = True
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError) as error:  # Windows has no resource module
        log.info("core dumps could not be turned off: %s", error.__class__.__name__)
    if sys.platform != "linux":
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)  # not find_library: that runs gcc and ld
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            log.info("PR_SET_DUMPABLE failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError) as error:
        log.info("the process could not be made non-dumpable: %s", error.__class__.__name__)


def dumpable() -> bool | None:
    """Whether this process is dumpable (Linux), for checks and tests; None elsewhere."""
    if sys.platform != "linux":
        return None
    import ctypes

    return bool(ctypes.CDLL(None).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
