"""Memloci's own conversations: a chat turn answered by the agents and kept with its
conversation, the list to reopen, rename and delete, and the tidy-up of stores from before
conversations were kept apart (Memloci's replies were episodic memories then)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.agents.text import is_question
from app.domain import Memory, MemoryType
from app.facade.lazy import Lazy
from app.security.redact import redact_text
from app.store.conversations import Conversation, ConversationStore, ConversationTurn
from app.store.db import Database
from app.store.memories import MemoryRepository
from app.store.writer import Initiator, Writer

if TYPE_CHECKING:
    from app.agents.chat import Answer, ChatSession
    from app.agents.service import AgentService

log = logging.getLogger(__name__)

REPLY_SUFFIX = ":memloci"  # the source ref Memloci's replies were recorded under


class ConversationService:
    def __init__(
        self,
        database: Database,
        repo: MemoryRepository,
        writer: Writer,
        agents: Lazy[AgentService],
    ) -> None:
        self._store = ConversationStore(database)
        self._database = database
        self._repo = repo
        self._writer = writer
        self._agents = agents
        self._tidied = False
        self._tidy_lock = threading.Lock()

    # -- the list -----------------------------------------------------------------------------
    def conversations(self) -> list[Conversation]:
        """Memloci's conversations, the latest first."""
        self.keep_replies_apart()
        return self._store.all()

    def conversation_turns(self, conversation_id: str) -> list[ConversationTurn]:
        return self._store.turns(conversation_id)

    def rename_conversation(self, conversation_id: str, title: str) -> Conversation:
        return self._store.rename(conversation_id, title)

    def delete_conversation(self, conversation_id: str) -> bool:
        """Delete a conversation; what the person told Memloci in it stays remembered."""
        return self._store.delete(conversation_id)

    # -- talking ------------------------------------------------------------------------------
    def start_chat(self, conversation_id: str | None = None) -> ChatSession:
        """A conversation for `chat_turn`: a new one, or a kept one reopened with its turns
        (the model sees them as history, and new messages are numbered after them)."""
        session = self._agents.get().start_chat()
        if conversation_id is None:
            return session
        turns = self._store.turns(conversation_id)
        session.id = conversation_id
        session.turns = [(t.question, t.answer) for t in turns]
        session.count = max((t.n for t in turns), default=0)
        return session

    def chat_turn(
        self,
        session: ChatSession,
        text: str,
        on_token: Callable[[str], None] | None,
        cancel: threading.Event | None,
    ) -> Answer:
        """One turn, answered by the chat agent and kept with its conversation."""
        answer = self._agents.get().chat_turn(session, text, on_token, cancel)
        found = {m.id: m.title for m in self._repo.get_many(answer.citations)}
        self._store.add_turn(
            session.id,
            redact_text(text.strip()),
            answer.answer,
            state="stopped" if answer.cancelled else "done",
            note=str(getattr(answer, "built_from", "") or ""),
            citations=[(i, found[i]) for i in answer.citations if i in found],
            context_ids=list(answer.context_ids),
        )
        return answer

    # -- stores from before -------------------------------------------------------------------
    def keep_replies_apart(self) -> int:
        """Move Memloci's replies that older versions kept as episodic memories (and the
        questions they answered) into their conversations, then forget those records, so they
        no longer pass for what the person did. Returns how many records were moved; runs once
        per process."""
        with self._tidy_lock:
            if self._tidied:
                return 0
            self._tidied = True
            rows = self._database.query(
                "SELECT s.memory_id, s.ref FROM memory_sources s JOIN memories m "
                "ON m.id = s.memory_id WHERE s.kind = 'chat' AND s.ref LIKE 'memloci-%' "
                "AND m.type = 'episodic' ORDER BY m.occurred_at"
            )
            if not rows:
                return 0
            records = {m.id: m for m in self._repo.get_many([r["memory_id"] for r in rows])}
            asked: dict[tuple[str, str], Any] = {}
            replies: list[tuple[str, str, Any]] = []
            for row in rows:
                memory = records.get(row["memory_id"])
                if memory is None or memory.type is not MemoryType.EPISODIC:
                    continue
                conversation, _, rest = row["ref"].partition(":")
                count, _, role = rest.partition(":")
                if role == "memloci":
                    replies.append((conversation, count, memory))
                else:
                    asked[(conversation, count)] = memory
            gone: list[str] = []
            for conversation, count, reply in replies:
                question = asked.get((conversation, count))
                text = _said(question) if question is not None else ""
                said = _said(reply)
                self._store.add_turn(
                    conversation,
                    text,
                    said,
                    state="stopped" if said.rstrip().endswith("[stopped]") else "done",
                    at=reply.occurred_at,
                )
                gone.append(reply.id)
                if question is not None and is_question(text):
                    gone.append(question.id)
            if gone:
                self._writer.forget(
                    gone, cascade=False, actor="memloci", initiator=Initiator.SYSTEM
                )
                log.info("kept %d chat records with their conversations", len(gone))
            return len(gone)


def _said(record: Memory) -> str:
    """What a chat record says, without the speaker in front."""
    return str(record.fields.get("summary") or record.text)
