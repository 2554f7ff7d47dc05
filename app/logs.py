"""Logging to a rotating file in the log folder. Only ids, counts and error types are logged,
never memory text: messages in this code base pass ids, not content."""

from __future__ import annotations

import logging
import logging.handlers
import os

from app.paths import Paths

_configured: set[str] = set()


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A log line that cannot be written (a full disk) is dropped: the failure must not spill
    a traceback onto the person's terminal, and the command's own error already says why."""

    def handleError(self, record: logging.LogRecord) -> None:
        return None


def setup(paths: Paths, level: str | None = None) -> None:
    """Attach one rotating file handler per log file (idempotent)."""
    target = str(paths.log_file)
    if target in _configured:
        return
    paths.logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = _QuietFileHandler(target, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    os.chmod(target, 0o600)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("MEMLOCI_LOG_LEVEL", "INFO").upper())
    for noisy in ("chromadb", "httpx", "urllib3", "onnxruntime"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured.add(target)
