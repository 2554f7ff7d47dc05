"""The desktop app's read models (app/views): browsing, timeline, graph, activity."""

from __future__ import annotations

from datetime import datetime

from app.domain import Memory
from app.facade.config import Config
from app.store.db import Database
from app.store.memories import MemoryRepository
from app.views import browse
from app.views.activity import Activity, activity
from app.views.browse import BrowseQuery
from app.views.graph import EntityGraph, entity_graph
from app.views.timeline import Timeline, timeline


class ViewService:
    def __init__(self, config: Config, database: Database, repo: MemoryRepository) -> None:
        self._config = config
        self._database = database
        self._repo = repo

    def browse(
        self, query: BrowseQuery | None = None, *, limit: int = 200, offset: int = 0
    ) -> list[Memory]:
        """One page of memories, filtered and sorted in SQL."""
        return browse.page(
            self._database, self._repo, query or BrowseQuery(), limit=limit, offset=offset
        )

    def browse_count(self, query: BrowseQuery | None = None) -> int:
        return browse.count(self._database, query or BrowseQuery())

    def source_kinds(self) -> list[str]:
        return browse.source_kinds(self._database)

    def memories_from_source(self, kind: str, ref: str) -> list[Memory]:
        """Every memory one chat message, screen frame or file contributed to (provenance)."""
        return browse.memories_from_source(self._database, self._repo, kind, ref)

    def timeline(self, since: datetime, until: datetime) -> Timeline:
        """Episodic events and capture sessions between two moments, one lane per app."""
        return timeline(self._repo, since, until, self._database)

    def entity_graph(self, max_nodes: int = 150) -> EntityGraph:
        """Semantic entities and the memories that link them."""
        return entity_graph(self._database, self._repo, max_nodes=max_nodes)

    def activity(self, days: int = 30) -> Activity:
        """Memories added per type per day and storage used, for the Insights pane."""
        capture = self._config.settings.capture
        budget = int(capture.retain_budget_mb * 1_000_000) if capture.retain_frames else None
        return activity(self._database, self._config.paths.data, days, budget)
