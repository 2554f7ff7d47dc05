"""The desktop app's periodic work, on the scheduler (APScheduler threads), never on Qt timers:
the memory agents work through queued chat and screen input, consolidation runs now and
then, and the retention rules are applied every few hours. Qt-free; the controller starts it
once the store is open and stops it first on quit.

The person comes first: while a chat answer is being written (one model, one worker thread),
a running batch is interrupted at its next step and no new one starts; the queue is durable,
so the interrupted work simply waits for the next run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.llm.priority import lower_thread_priority

log = logging.getLogger(__name__)

AGENTS_EVERY_S = 60.0
AGENTS_BATCH = 32
CONSOLIDATE_EVERY_S = 6 * 3600.0
RETENTION_EVERY_S = 3 * 3600.0


BACKGROUND_NICE = 10


def lower_priority() -> None:
    """Give this thread (and the threads it starts) a lower CPU priority than the window's.
    On Linux a new thread inherits its creator's nice value, so the model's worker thread and
    llama.cpp's compute threads, started from here, all yield to the event loop."""

    lower_thread_priority(BACKGROUND_NICE)


def in_background(fn: Callable[[], Any]) -> Callable[[], Any]:
    """`fn` run on a fresh low-priority thread (waited for), so whatever it starts inherits
    the low priority while the caller's thread keeps its own."""

    def run() -> Any:
        box: dict[str, Any] = {}

        def target() -> None:
            lower_priority()
            try:
                box["value"] = fn()
            except BaseException as error:
                box["error"] = error

        thread = threading.Thread(target=target, name="memloci-background")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]
        return box.get("value")

    return run


class AppJobs:
    def __init__(
        self,
        memloci: Any,
        *,
        agents_every: float = AGENTS_EVERY_S,
        consolidate_every: float = CONSOLIDATE_EVERY_S,
        retention_every: float = RETENTION_EVERY_S,
    ) -> None:
        self.memloci = memloci
        self.agents_every = agents_every
        self.consolidate_every = consolidate_every
        self.retention_every = retention_every
        self.stop_event = threading.Event()
        self.scheduler: Any = None
        self.runs = 0
        self._held = 0
        self._lock = threading.Lock()
        self._running: threading.Event | None = None  # the cancel event of the batch in flight

    def start(self) -> None:
        """Runs on a worker; `stop` may come meanwhile (the app quits, the key is replaced): the
        schedule then does not start, and a stop during the start waits for it (no job added to a
        scheduler already shut down)."""
        from app.capture.scheduler import Scheduler

        with self._lock:
            if self.stop_event.is_set():
                return
            scheduler = Scheduler({"agents": 1}, name="app")
            scheduler.start()
            scheduler.every(
                "agents", self.agents_every, self.run_agents, executor="agents", first_in=20
            )
            scheduler.every(
                "consolidate",
                self.consolidate_every,
                self.consolidate,
                executor="agents",
                first_in=600,
            )
            scheduler.every(
                "retention",
                self.retention_every,
                self.apply_retention,
                executor="agents",
                first_in=300,
            )
            self.scheduler = scheduler

    def run_agents(self) -> Any:
        """One pass of the memory agents over what is waiting (bounded, cancellable)."""
        settings = self.memloci.settings.agents
        if not settings.enabled or self.stop_event.is_set() or self.held:
            return None
        lower_priority()  # this scheduler thread serves only background batches
        if not self.memloci.agents.status().get("backlog"):
            return None
        cancel = threading.Event()
        with self._lock:
            if self._held or self.stop_event.is_set():
                return None
            self._running = cancel
        try:
            self.runs += 1
            report = self.memloci.agents.process_queue(limit=AGENTS_BATCH, cancel=cancel)
        finally:
            with self._lock:
                self._running = None
        log.info("agents: %s", getattr(report, "to_dict", lambda: report)())
        return report

    @property
    def held(self) -> bool:
        return self._held > 0

    def hold(self) -> None:
        """The person is waiting for the model: interrupt the batch, start none until release."""
        with self._lock:
            self._held += 1
            if self._running is not None:
                self._running.set()

    def release(self) -> None:
        with self._lock:
            self._held = max(0, self._held - 1)

    def consolidate(self) -> Any:
        if self.stop_event.is_set():
            return None
        return self.memloci.agents.consolidate()

    def apply_retention(self) -> Any:
        """Expire what the retention rules say (Settings → Your data); logs a line of counts."""
        if self.stop_event.is_set():
            return None
        rules = getattr(self.memloci.settings, "retention", None)
        if rules is None:
            return None
        days = (rules.screen_days, rules.chat_days, rules.frames_days, rules.mine_days)
        if not (any(days) or rules.apps):
            return None
        lower_priority()
        return self.memloci.data.apply_retention()

    def run_soon(self) -> None:
        scheduler = self.scheduler
        if scheduler is not None:
            scheduler.run_soon("agents")  # a no-op once it has stopped

    def stop(self) -> None:
        """Cancel a running batch at its next step, then wait for the scheduler's threads."""
        self.stop_event.set()
        with self._lock:  # not while a start is adding jobs
            if self._running is not None:
                self._running.set()
            scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:  # outside the lock: a batch finishing takes it
            scheduler.shutdown(wait=True)
