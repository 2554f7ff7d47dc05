"""What the facade's agent methods do: thin glue from `Memloci` to the chat agent, the queue
pipeline and consolidation. The GUI calls these (through the facade) from a worker thread;
tokens stream through `on_token` and a `threading.Event` cancels."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.agents.answer import Answer, AnswerSource, answer_mode
from app.agents.chat import ChatAgent, ChatSession
from app.agents.compose import Similarity, warm_up
from app.agents.consolidate import ConsolidationReport, Consolidator
from app.agents.pipeline import AgentPipeline, RunReport
from app.domain import utcnow
from app.errors import InvalidInput
from app.llm.base import ChatModel
from app.llm.factory import ModelRuntime
from app.llm.roles import agents_model
from app.retrieval import Retriever
from app.settings import Settings
from app.store.memories import MemoryRepository
from app.store.queue import WorkQueue
from app.store.writer import Writer

log = logging.getLogger(__name__)


class AgentService:
    """Receives its parts explicitly (the composition root builds it); never the facade."""

    def __init__(
        self,
        *,
        settings: Callable[[], Settings],
        repo: MemoryRepository,
        writer: Writer,
        queue: WorkQueue,
        retriever: Retriever,
        runtime: ModelRuntime,
        agents_runtime: ModelRuntime,
        model_info: Callable[[str], dict[str, Any]],
        similarity: Similarity | None = None,
    ) -> None:
        self._settings = settings
        self._repo = repo
        self._writer = writer
        self._queue = queue
        self._retriever = retriever
        self._runtime = runtime
        self._agents_runtime = agents_runtime
        self._model_info = model_info
        self._similarity = similarity

    def agents_model(self) -> ChatModel:
        """Where the agents get their model (issue 18): their own runtime, or the chat model
        while `agents_model.backend = "same"`."""
        return agents_model(self._runtime, self._agents_runtime)

    def chat_agent(self) -> ChatAgent:
        return ChatAgent(
            repo=self._repo,
            writer=self._writer,
            queue=self._queue,
            retriever=self._retriever,
            model=self._runtime.get,
            settings=lambda: self._settings().model,
            person_names=lambda: list(self._settings().agents.person_names),
            similarity=self._similarity,
        )

    # -- chat ---------------------------------------------------------------------------------
    def start_chat(self) -> ChatSession:
        """A new conversation for `chat_turn`."""
        return ChatSession()

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

    def answer_source(self) -> AnswerSource:
        """Who writes answers now, with one line saying so for the person."""
        mode = answer_mode(self._settings().model)
        if mode == "memories":
            return AnswerSource(
                mode,
                None,
                "Answers are built from your memories: the sentence or field that answers, "
                "with its date and source. Nothing is generated.",
            )
        info = self._model_info("chat")
        name = str(info.get("name") or info.get("backend") or "the language model")
        return AnswerSource(
            mode,
            name,
            f"Answers are written by {name}; each sentence is checked against your memories "
            "before it is shown, and one naming anything they do not hold is left out.",
        )

    def warm_answers(self) -> None:
        """Load what answers are built with (the word lexicon), so the first one is quick."""
        warm_up()

    # -- the queue ----------------------------------------------------------------------------
    def process_queue(
        self,
        limit: int | None,
        cancel: threading.Event | None,
        on_progress: Callable[[RunReport], None] | None,
    ) -> RunReport:
        if limit is not None and limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        settings = self._settings().agents
        pipeline = AgentPipeline(
            repo=self._repo,
            writer=self._writer,
            queue=self._queue,
            retriever=self._retriever,
            settings=settings,
            model=self.agents_model if settings.use_model else (lambda: None),
        )
        return pipeline.run(limit, cancel=cancel, on_progress=on_progress)

    def status(self) -> dict[str, Any]:
        queue = self._queue
        counts = {k: v for k, v in queue.counts().items() if k in ("chat", "screen")}
        oldest = [queue.oldest_pending(kind) for kind in counts]
        oldest_known = [o for o in oldest if o is not None]
        last = self._repo.db.query(
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
            "enabled": self._settings().agents.enabled,
            "use_model": self._settings().agents.use_model,
            "model": self._model_info("chat"),
            "agents_model": self._model_info("agents"),
            "last_run": last_run,
        }

    def retry_failed(self) -> int:
        return self._queue.retry_failed()

    def consolidate(self, now: datetime | None) -> ConsolidationReport:
        return Consolidator(self._repo, self._writer, self._settings().agents).run(now)
