"""What the facade's model and agent methods do: thin glue from `Memloci` to the chat agent, the
queue pipeline, consolidation and the model runtime. The GUI calls these (through the facade)
from a worker thread; tokens stream through `on_token` and a `threading.Event` cancels."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.agents.chat import Answer, ChatAgent, ChatSession
from app.agents.consolidate import ConsolidationReport, Consolidator
from app.agents.operations import Applied
from app.agents.pipeline import AgentPipeline, RunReport
from app.domain import Memory, utcnow
from app.errors import InvalidInput
from app.llm.factory import API_KEY_META, ModelRuntime

log = logging.getLogger(__name__)


class AgentService:
    def __init__(self, memloci: Any) -> None:
        self.m = memloci

    @property
    def s(self) -> Any:
        return self.m.services

    # -- plumbing -----------------------------------------------------------------------------
    def runtime(self) -> ModelRuntime:
        runtime = self.s.llm
        if runtime is None:  # a facade built without bootstrap (tests of other areas)
            runtime = ModelRuntime(self.m.settings.model, api_key=self.api_key)
            self.s.llm = runtime
            self.s.extras.setdefault("closers", []).append(runtime.close)
        return runtime

    def api_key(self) -> str | None:
        return self.s.database.scalar("SELECT value FROM meta WHERE key = ?", (API_KEY_META,))

    def notify(self, added: list[Memory], changed: list[Memory]) -> None:
        for memory in added:
            self.m.memory_added.emit(memory)
        for memory in changed:
            self.m.memory_updated.emit(memory)

    def _notify_applied(self, applied: Applied) -> None:
        added = {m.id for m in applied.added}
        self.notify(applied.added, [m for m in applied.changed if m.id not in added])

    def chat_agent(self) -> ChatAgent:
        return ChatAgent(
            self.s,
            self.runtime().get,
            lambda: self.m.settings.model,
            notify=self.notify,
            person_names=lambda: list(self.m.settings.agents.person_names),
            similarity=self.similarity,
        )

    def similarity(self, question: str, texts: list[str]) -> list[float]:
        """Cosines between a question and candidate answers, by the embedder search uses
        (loaded already for the question's search); empty texts, no embedder: zeros."""
        indexer = getattr(self.s.retriever, "indexer", None)
        embedder = indexer.embedder() if indexer is not None else None
        if embedder is None or not texts:
            return [0.0 for _ in texts]
        prefix = self.m.settings.embedder.query_prefix
        vectors = embedder.embed([prefix + question, *texts])
        query, rest = vectors[0], vectors[1:]
        return [float(query @ vector) for vector in rest]

    # -- chat ---------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        on_token: Callable[[str], None] | None,
        cancel: threading.Event | None,
        record: bool,
    ) -> Answer:
        return self.chat_agent().turn(
            ChatSession(), question, on_token=on_token, cancel=cancel, record=record
        )

    def chat_turn(
        self,
        session: ChatSession,
        text: str,
        on_token: Callable[[str], None] | None,
        cancel: threading.Event | None,
    ) -> Answer:
        return self.chat_agent().turn(session, text, on_token=on_token, cancel=cancel)

    def answer_source(self) -> dict[str, Any]:
        """Who writes answers now, with one line saying so for the person."""
        from app.agents.chat import answer_mode

        mode = answer_mode(self.m.settings.model)
        if mode == "memories":
            return {
                "mode": mode,
                "model": None,
                "line": "Answers are built from your memories: the sentence or field that "
                "answers, with its date and source. Nothing is generated.",
            }
        info = self.model_info()
        name = info.get("name") or info.get("backend") or "the language model"
        return {
            "mode": mode,
            "model": name,
            "line": f"Answers are written by {name}; each sentence is checked against your "
            "memories before it is shown, and one naming anything they do not hold is left out.",
        }

    # -- the queue ----------------------------------------------------------------------------
    def process_queue(
        self,
        limit: int | None,
        cancel: threading.Event | None,
        on_progress: Callable[[RunReport], None] | None,
    ) -> RunReport:
        if limit is not None and limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        settings = self.m.settings.agents
        pipeline = AgentPipeline(
            self.s,
            settings,
            model=self.runtime().get if settings.use_model else (lambda: None),
            notify=self._notify_applied,
        )
        return pipeline.run(limit, cancel=cancel, on_progress=on_progress)

    def status(self) -> dict[str, Any]:
        queue = self.s.queue
        counts = {k: v for k, v in queue.counts().items() if k in ("chat", "screen")}
        oldest = [queue.oldest_pending(kind) for kind in counts]
        oldest_known = [o for o in oldest if o is not None]
        last = self.s.database.query(
            "SELECT started_at, seconds, report FROM agent_runs ORDER BY id DESC LIMIT 1"
        )
        last_run = None
        if last:
            last_run = {
                "at": last[0]["started_at"],
                "seconds": round(last[0]["seconds"], 3),
                **json.loads(last[0]["report"]),
            }
        backlog = sum(
            n for statuses in counts.values() for s, n in statuses.items() if s != "failed"
        )
        failed = sum(statuses.get("failed", 0) for statuses in counts.values())
        age = None
        if oldest_known:
            age = round((utcnow() - min(oldest_known)).total_seconds(), 1)
        return {
            "backlog": backlog,
            "failed": failed,
            "queue": counts,
            "oldest_pending_seconds": age,
            "enabled": self.m.settings.agents.enabled,
            "use_model": self.m.settings.agents.use_model,
            "model": self.model_info(),
            "last_run": last_run,
        }

    def retry_failed(self) -> int:
        return self.s.queue.retry_failed()

    def consolidate(self, now: datetime | None) -> ConsolidationReport:
        return Consolidator(self.s, self.m.settings.agents, notify=self.notify).run(now)

    # -- the model ----------------------------------------------------------------------------
    def model_info(self) -> dict[str, Any]:
        runtime = self.runtime()
        loaded = runtime.loaded()
        if loaded is not None:
            return loaded.info().to_dict()
        try:
            return runtime.get().info().to_dict()
        except Exception as error:  # an endpoint that cannot be built still has settings
            settings = runtime.settings
            return {"backend": settings.backend, "error": str(error)}

    def use_model(
        self,
        backend: str,
        path: str | None,
        endpoint: str | None,
        model_name: str | None,
        api_key: str | None,
    ) -> dict[str, Any]:
        settings = self.m.settings
        if backend == "gguf":
            from app.llm.local import check_gguf

            if not path:
                raise InvalidInput("Give the path of a GGUF model file.")
            resolved = Path(path).expanduser().resolve()
            check_gguf(resolved)
            settings = settings.with_value("model.backend", "gguf").with_value(
                "model.path", str(resolved)
            )
        elif backend == "endpoint":
            from app.llm.remote import normalise_base

            if not endpoint:
                raise InvalidInput("Give the URL of an OpenAI-compatible server.")
            settings = (
                settings.with_value("model.backend", "endpoint")
                .with_value("model.endpoint", normalise_base(endpoint))
                .with_value("model.endpoint_model", model_name or "")
            )
        elif backend == "bundled":
            settings = settings.with_value("model.backend", "bundled")
        else:
            raise InvalidInput(f"Unknown model backend {backend!r}; use bundled, gguf or endpoint.")
        if api_key is not None:
            with self.s.database.write() as db:
                if api_key:
                    db.conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        (API_KEY_META, api_key),
                    )
                else:
                    db.conn.execute("DELETE FROM meta WHERE key = ?", (API_KEY_META,))
        self.m.save_settings(settings)
        self.runtime().configure(settings.model)
        log.info("model set to %s", backend)
        return self.model_info()
