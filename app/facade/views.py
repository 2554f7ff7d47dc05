"""The desktop app's read models (app/views): browsing, timeline, graph, activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain import Memory
from app.facade.base import FacadeBase


class ViewsFacade(FacadeBase):
    """Facade methods of one area; `Memloci` inherits them."""

    def browse(self, query: Any = None, *, limit: int = 200, offset: int = 0) -> list[Memory]:
        """One page of memories, filtered and sorted in SQL (`app.views.browse.BrowseQuery`)."""
        from app.views import browse

        return browse.page(
            self._s.database,
            self._s.repo,
            query or browse.BrowseQuery(),
            limit=limit,
            offset=offset,
        )

    def browse_count(self, query: Any = None) -> int:
        from app.views import browse

        return browse.count(self._s.database, query or browse.BrowseQuery())

    def source_kinds(self) -> list[str]:
        from app.views import browse

        return browse.source_kinds(self._s.database)

    def memories_from_source(self, kind: str, ref: str) -> list[Memory]:
        """Every memory one chat message, screen frame or file contributed to (provenance)."""
        from app.views import browse

        return browse.memories_from_source(self._s.database, self._s.repo, kind, ref)

    def timeline(self, since: datetime, until: datetime) -> Any:
        """Episodic events and capture sessions between two moments, one lane per app."""
        from app.views.timeline import timeline

        return timeline(self._s.repo, since, until, self._s.database)

    def entity_graph(self, max_nodes: int = 150) -> Any:
        """Semantic entities and the memories that link them."""
        from app.views.graph import entity_graph

        return entity_graph(self._s.database, self._s.repo, max_nodes=max_nodes)

    def activity(self, days: int = 30) -> Any:
        """Memories added per type per day and storage used, for the Insights pane."""
        from app.views.activity import activity

        capture = getattr(self.settings, "capture", None)
        budget = None
        if capture is not None and capture.retain_frames:
            budget = int(capture.retain_budget_mb * 1_000_000)
        return activity(self._s.database, self.paths.data, days, budget)

    def load_model(self) -> dict[str, Any]:
        """Load the language model now rather than on first use (the app warms it up)."""
        runtime = getattr(self._s, "llm", None)
        if runtime is not None:
            load = getattr(runtime.get(), "load", None)
            if callable(load):
                load()
        return self.model_info()
