"""Logging to a rotating file in the log folder. Only ids, counts and error types are logged,
never memory text: messages in this code base pass ids, not content."""

from __future__ import annotations

import logging
import logging.handlers
import os
from typing import Any

from app.paths import PRIVATE_FILE, Paths, private_folder

_configured: set[str] = set()


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A log line that cannot be written (a full disk) is dropped: the failure must not spill
    a traceback onto the person's terminal, and the command's own error already says why."""

    def handleError(self, record: logging.LogRecord) -> None:
        return None

    def _open(self) -> Any:
        """The log file, created 0600 (a rotation makes a new one too); one left readable by
        others by an older release is closed."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        fd = os.open(self.baseFilename, flags, PRIVATE_FILE)
        if os.name == "posix" and os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, PRIVATE_FILE)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def setup(paths: Paths, level: str | None = None) -> None:
    """Attach one rotating file handler per log file (idempotent)."""
    target = str(paths.log_file)
    if target in _configured:
        return
    private_folder(paths.logs)
    handler = _QuietFileHandler(target, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("MEMLOCI_LOG_LEVEL", "INFO").upper())
    # APScheduler writes two lines for every run of every job (capture ticks every 3 s): they
    # would rotate the useful lines out of the log within hours.
    for noisy in ("chromadb", "httpx", "urllib3", "onnxruntime", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured.add(target)
