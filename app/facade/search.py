"""Finding: search, chat import, the search index (embedder choice, sync, rebuild)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from app.domain import MemoryType, SearchHit
from app.errors import InvalidInput
from app.facade.config import Config
from app.importers import ChatPreview, Format, ImportResult, preview
from app.importers.chat import import_chat_file
from app.retrieval import Progress, Retriever, SearchRequest
from app.search.choice import choose_embedder
from app.store.db import Database
from app.store.queue import WorkQueue
from app.store.writer import Writer


class SearchService:
    def __init__(
        self,
        config: Config,
        database: Database,
        writer: Writer,
        queue: WorkQueue,
        retriever: Retriever,
    ) -> None:
        self._config = config
        self._database = database
        self._writer = writer
        self._queue = queue
        self._retriever = retriever

    def search(
        self,
        query: str,
        *,
        types: Sequence[MemoryType | str] | None = None,
        limit: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_invalid: bool = False,
    ) -> list[SearchHit]:
        if not query or not query.strip():
            raise InvalidInput("The search query is empty.")
        if since and until and since >= until:
            raise InvalidInput("The start of the time range is not before its end.")
        request = SearchRequest(
            query=query,
            types=tuple(MemoryType.parse(str(t)) for t in types or ()),
            since=since,
            until=until,
            limit=limit or self._config.settings.search.default_limit,
            include_invalid=include_invalid,
        )
        if request.limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._retriever.search(request)

    def import_chat(
        self,
        path: str | os.PathLike[str],
        *,
        format: Format | None = None,
        agents: bool = True,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Import chat history (JSON Lines, or a ChatGPT `conversations.json`): one episodic
        memory per message, searchable at once, queued for the agents unless `agents=False`.
        The whole file is checked first; a bad line fails it with FILE:LINE and stores nothing.
        Message ids already imported are skipped. `progress(done, total)` as it stores."""
        return import_chat_file(
            self._writer, self._queue, Path(path), fmt=format, agents=agents, progress=progress
        )

    def preview_chat(self, path: str | os.PathLike[str]) -> ChatPreview:
        """What a chat file holds (speakers, counts, span), checked, nothing stored: the app
        asks which speaker is the person before importing."""
        return preview(Path(path))

    def index_sync(self, progress: Progress | None = None) -> int:
        """Embed everything still waiting for a vector now, instead of in the background.
        Returns how many memories were embedded; `progress(done, total)` as it goes."""
        return int(self._retriever.sync(progress))

    def search_status(self) -> dict[str, Any]:
        """Embedder, vector index mode and counts (embedded, pending) for status displays."""
        return self._retriever.status()

    def use_embedder(
        self,
        kind: str,
        *,
        model_path: str | None = None,
        url: str | None = None,
        model: str | None = None,
        api_key_env: str | None = None,
    ) -> dict[str, Any]:
        """Choose the embedder ("minilm", "gguf" + model_path, "endpoint" + url, "none"). It is
        tried once first; a working choice is saved and the store is re-embedded in the
        background (search keeps working meanwhile)."""
        settings = choose_embedder(
            self._config.settings,
            self._config.paths,
            kind,
            model_path=model_path,
            url=url,
            model=model,
            api_key_env=api_key_env,
        )
        self._config.save(settings)
        self._retriever.configure(settings)
        return self.search_status()

    def reindex(self) -> int:
        """Rebuild the derived indexes (the full-text index with chat context, vectors) from
        SQLite; returns how many memories there are."""
        count = int(self._database.scalar("SELECT count(*) FROM memories") or 0)
        self._retriever.rebuild()
        return count
