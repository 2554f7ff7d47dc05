"""Lower one thread's CPU priority, so the threads it starts run in the background too.

On Linux the nice value is per thread and a new thread inherits its creator's: a model worker
thread lowered here makes llama.cpp's compute threads (created from it) yield to the window and
to the person's other programs. macOS applies the value to the whole process, so there only the
desktop app's background threads are lowered (never the CLI's only thread); elsewhere nothing
changes.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)


def lower_thread_priority(nice: int) -> bool:
    """Raise this thread's nice value to `nice` (never lowers it); True when it took effect."""
    if nice <= 0 or sys.platform != "linux":
        return False
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return True
    except OSError as error:  # not permitted in some sandboxes: keep normal priority
        log.info("could not lower a thread's priority: %s", error)
        return False


def thread_nice(native_id: int) -> int | None:
    """The nice value of a thread of this process (Linux), for checks and tests."""
    try:
        return os.getpriority(os.PRIO_PROCESS, native_id)
    except (OSError, AttributeError):
        return None
