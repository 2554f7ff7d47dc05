"""The language model and the memory agents (app/llm, app/agents)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from app.facade.base import FacadeBase


class AgentsFacade(FacadeBase):
    """Facade methods of one area; `Memloci` inherits them."""

    def _agents(self) -> Any:
        from app.agents.service import AgentService

        return self._built("agents", lambda: AgentService(self))

    def ask(
        self,
        question: str,
        *,
        on_token: Any = None,
        cancel: threading.Event | None = None,
        record: bool = True,
    ) -> Any:
        """Answer from memory with citations (`app.agents.chat.Answer`). `on_token(text)` gets
        the answer as it streams (on the model's thread); setting `cancel` stops it."""
        return self._agents().ask(question, on_token, cancel, record)

    def start_chat(self) -> Any:
        """A new conversation (`app.agents.chat.ChatSession`) for `chat_turn`."""
        from app.agents.chat import ChatSession

        return ChatSession()

    def chat_turn(
        self,
        session: Any,
        text: str,
        *,
        on_token: Any = None,
        cancel: threading.Event | None = None,
    ) -> Any:
        """One turn of a conversation; it is remembered and queued for the agents."""
        return self._agents().chat_turn(session, text, on_token, cancel)

    def answer_source(self) -> dict[str, Any]:
        """Who writes answers: {"mode": "memories" | "model", "model": name or None, "line": one
        sentence for the person}."""
        return self._agents().answer_source()

    def warm_answers(self) -> None:
        """Load what answers are built with (the word lexicon), so the first one is quick."""
        from app.agents.compose import warm_up

        warm_up()

    def process_queue(
        self,
        *,
        limit: int | None = None,
        cancel: threading.Event | None = None,
        on_progress: Any = None,
    ) -> Any:
        """Run the memory agents over queued chat and screen input (`RunReport`)."""
        return self._agents().process_queue(limit, cancel, on_progress)

    def agent_status(self) -> dict[str, Any]:
        """Backlog, parked items, the last run's figures and the model in use."""
        return self._agents().status()

    def retry_failed_agent_items(self) -> int:
        return self._agents().retry_failed()

    def consolidate(self, *, now: datetime | None = None) -> Any:
        """Merge duplicates, roll old activity into day summaries, let importance fade."""
        return self._agents().consolidate(now)

    def model_info(self) -> dict[str, Any]:
        return self._agents().model_info()

    def use_model(
        self,
        backend: str,
        *,
        path: str | None = None,
        endpoint: str | None = None,
        model_name: str | None = None,
        api_key: str | None = None,
    ) -> dict[str, Any]:
        """Pick the bundled model, a GGUF file or an OpenAI-compatible endpoint (saved in
        settings; an API key goes to the encrypted database)."""
        return self._agents().use_model(backend, path, endpoint, model_name, api_key)
