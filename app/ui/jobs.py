"""The desktop app's periodic work, on the scheduler (APScheduler threads), never on Qt timers:
the memory agents work through queued chat and screen input, and consolidation runs now and
then. Qt-free; the controller starts it once the store is open and stops it first on quit.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

AGENTS_EVERY_S = 60.0
AGENTS_BATCH = 32
CONSOLIDATE_EVERY_S = 6 * 3600.0


class AppJobs:
    def __init__(
        self,
        memloci: Any,
        *,
        agents_every: float = AGENTS_EVERY_S,
        consolidate_every: float = CONSOLIDATE_EVERY_S,
    ) -> None:
        self.memloci = memloci
        self.agents_every = agents_every
        self.consolidate_every = consolidate_every
        self.stop_event = threading.Event()
        self.scheduler: Any = None
        self.runs = 0

    def start(self) -> None:
        from app.capture.scheduler import Scheduler

        self.scheduler = Scheduler({"agents": 1}, name="app")
        self.scheduler.start()
        self.scheduler.every(
            "agents", self.agents_every, self.run_agents, executor="agents", first_in=20
        )
        self.scheduler.every(
            "consolidate",
            self.consolidate_every,
            self.consolidate,
            executor="agents",
            first_in=600,
        )

    def run_agents(self) -> Any:
        """One pass of the memory agents over what is waiting (bounded, cancellable)."""
        settings = self.memloci.settings.agents
        if not settings.enabled or self.stop_event.is_set():
            return None
        if not self.memloci.agent_status().get("backlog"):
            return None
        self.runs += 1
        report = self.memloci.process_queue(limit=AGENTS_BATCH, cancel=self.stop_event)
        log.info("agents: %s", getattr(report, "to_dict", lambda: report)())
        return report

    def consolidate(self) -> Any:
        if self.stop_event.is_set():
            return None
        return self.memloci.consolidate()

    def run_soon(self) -> None:
        if self.scheduler is not None:
            self.scheduler.run_soon("agents")

    def stop(self) -> None:
        """Cancel a running batch at its next step, then wait for the scheduler's threads."""
        self.stop_event.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
