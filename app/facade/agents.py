"""The memory agents' queue as the facade offers it (`memloci.agents`): run them over what is
queued, their status, retrying parked items, consolidation. `app.agents.service.AgentService`
does the work and is built on first use; answering (`ask`, chat turns) stays on `Memloci`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.facade.lazy import Lazy

if TYPE_CHECKING:  # the agents pull in the managers and llama.cpp glue; bootstrap defers them
    from app.agents.consolidate import ConsolidationReport
    from app.agents.pipeline import RunReport
    from app.agents.service import AgentService


class AgentsArea:
    """`memloci.agents`: the background work that turns queued chat and screen input into
    memories."""

    def __init__(self, service: Lazy[AgentService]) -> None:
        self._service = service

    def process_queue(
        self,
        *,
        limit: int | None = None,
        cancel: threading.Event | None = None,
        on_progress: Callable[[RunReport], None] | None = None,
    ) -> RunReport:
        """Run the memory agents over queued chat and screen input."""
        return self._service.get().process_queue(limit, cancel, on_progress)

    def status(self) -> dict[str, Any]:
        """Backlog, parked items, the last run's figures and the model in use."""
        return self._service.get().status()

    def retry_failed(self) -> int:
        """Put the parked items back in the queue; returns how many."""
        return self._service.get().retry_failed()

    def consolidate(self, *, now: datetime | None = None) -> ConsolidationReport:
        """Merge duplicates, roll old activity into day summaries, let importance fade."""
        return self._service.get().consolidate(now)
