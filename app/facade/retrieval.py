"""Retrieval and chat import (app/search, app/embed, app/vectors, app/importers)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from psygnal import Signal

from app.facade.base import FacadeBase


class RetrievalFacade(FacadeBase):
    """Facade methods of one area; `Memloci` inherits them."""

    memories_imported = Signal(object)  # app.importers.ImportResult (one signal per import)

    def import_chat(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        agents: bool = True,
        progress: Any = None,
    ) -> Any:
        """Import chat history (JSON Lines, or a ChatGPT `conversations.json`): one episodic
        memory per message, searchable at once, queued for the agents unless `agents=False`.
        The whole file is checked first; a bad line fails it with FILE:LINE and stores nothing.
        Message ids already imported are skipped. `progress(done, total)` as it stores."""
        from app.importers.chat import import_chat_file

        result = import_chat_file(
            self._s.repo,
            self._s.queue,
            Path(path),
            fmt=format,  # type: ignore[arg-type]
            agents=agents,
            progress=progress,
        )
        if result.imported:
            self._s.retriever.indexed([])  # their vectors follow in the background
            self.memories_imported.emit(result)
        return result

    def index_sync(self, progress: Any = None) -> int:
        """Embed everything still waiting for a vector now, instead of in the background.
        Returns how many memories were embedded; `progress(done, total)` as it goes."""
        sync = getattr(self._s.retriever, "sync", None)
        return int(sync(progress)) if callable(sync) else 0

    def search_status(self) -> dict[str, Any]:
        """Embedder, vector index mode and counts (embedded, pending) for status displays."""
        status = getattr(self._s.retriever, "status", None)
        return status() if callable(status) else {"embedder": None}

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
        from app.search.choice import choose_embedder

        settings = choose_embedder(
            self.settings,
            self.paths,
            kind,
            model_path=model_path,
            url=url,
            model=model,
            api_key_env=api_key_env,
        )
        self.save_settings(settings)
        configure = getattr(self._s.retriever, "configure", None)
        if callable(configure):
            configure(settings)
        return self.search_status()
