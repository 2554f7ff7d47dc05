"""Which process holds something, and whether that process still runs.

A holder token is `host:pid:start`, where `start` is the process's start time in clock ticks
since boot (Linux /proc; empty elsewhere), so a later process that happens to get the same pid
is not taken for the holder. A token from another host is never judged dead here.
"""

from __future__ import annotations

import functools
import os
import socket


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_ticks(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()  # the name in parentheses may hold spaces
    return fields[19] if len(fields) > 19 else ""  # field 22 of the whole line: starttime


@functools.cache
def _host() -> str:
    return socket.gethostname().replace(":", "_")


def holder_token(pid: int | None = None) -> str:
    """This process's token (or `pid`'s)."""
    pid = os.getpid() if pid is None else pid
    return f"{_host()}:{pid}:{_start_ticks(pid)}"


def holder_alive(token: str) -> bool:
    """False only when the holder surely ended: same host, and its pid is gone or now belongs to
    a process that started at another moment."""
    host, _, rest = token.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != _host() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if not process_alive(pid):
        return False
    return not start or _start_ticks(pid) in ("", start)
