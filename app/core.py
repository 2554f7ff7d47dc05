"""`Memloci`: the one facade that the GUI, the CLI, the scheduler, the local API and MCP call.

What a person does every day is a method here: remember (`add`, `get`, `update`, `forget`),
find (`search`, `browse`, `timeline`), `ask` and chat, conversations, keys and backups. The
less-used areas are typed objects reached as attributes: `capture`, `agents` (their queue),
`models`, `data` (erase, retention, export), `entities`, `clients` (MCP programs), `autofill`.
Everything is built by `app.bootstrap`; each method hands over to its area service
(`app.facade.*`). Every write goes through the store's one `Writer`; after each commit the
facade re-emits what changed (`changed`, and per memory `memory_added` / `memory_updated` /
`memory_forgotten`).
"""

from __future__ import annotations

import builtins
import logging
import os
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from app import logs
from app.bootstrap import Parts, build_parts
from app.domain import HistoryEntry, Memory, MemoryType, SearchHit, Source, Stats
from app.errors import MemlociError
from app.facade.agents import AgentsArea
from app.facade.capture import CaptureArea
from app.facade.clients import ClientService
from app.facade.data import DataService
from app.facade.entities import EntityService
from app.facade.models import ModelService
from app.importers import ChatPreview, Format, ImportResult
from app.paths import Paths
from app.rekey import replace_data_key
from app.retrieval import Progress
from app.security.unlock import Prompt
from app.settings import Settings
from app.store.conversations import Conversation, ConversationTurn
from app.store.forgetting import ForgetPlan
from app.store.writer import USER_SOURCE, Changes, Initiator
from app.views.activity import Activity
from app.views.browse import BrowseQuery
from app.views.graph import EntityGraph
from app.views.timeline import Timeline
from app.views.timeline_find import EarlierDay, TimelineHits

if TYPE_CHECKING:  # built on first use by the areas; only their types are needed here
    from app.agents.answer import Answer, AnswerSource
    from app.agents.chat import ChatSession
    from app.autofill.service import AutofillService

log = logging.getLogger(__name__)

TokenCallback = Callable[[str], None]


class Memloci:
    """A person's memory, unlocked. Open with `Memloci.open()`, close with `close()`."""

    changed = Signal(object)  # app.store.writer.Changes, once per committed write
    memory_added = Signal(object)  # Memory
    memory_updated = Signal(object)  # Memory
    memory_forgotten = Signal(str)  # memory id
    memories_imported = Signal(object)  # ImportResult (one signal per import)

    def __init__(self, parts: Parts) -> None:
        self._parts = parts
        self._closed = False
        self._capture = CaptureArea(lambda: parts.capture)
        self._agents = AgentsArea(parts.agents)
        parts.writer.changed.connect(self._relay)

    def _relay(self, changes: Changes) -> None:
        self.changed.emit(changes)
        for memory in changes.added:
            self.memory_added.emit(memory)
        for memory in changes.updated:
            self.memory_updated.emit(memory)
        for memory_id in changes.forgotten:
            self.memory_forgotten.emit(memory_id)

    # -- life cycle -----------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        home: str | os.PathLike[str] | None = None,
        passphrase: str | None = None,
        *,
        prompt: Prompt | None = None,
        create: bool = True,
        paths: Paths | None = None,
    ) -> Memloci:
        """Unlock (or, with `create`, set up) the store under `home` or `$MEMLOCI_HOME`."""
        return cls(build_parts(home, passphrase, prompt=prompt, create=create, paths=paths))

    @staticmethod
    def replace_data_key(
        home: str | os.PathLike[str] | None,
        old_passphrase: str,
        new_passphrase: str,
        *,
        progress: Callable[[str], None] | None = None,
    ) -> dict[str, Any]:
        """Re-encrypt the whole store under a new random data key (see `app.rekey`). The store
        must be closed everywhere; the new passphrase may equal the old one."""
        paths = Paths.resolve(home)
        logs.setup(paths)
        return replace_data_key(paths, old_passphrase, new_passphrase, progress=progress).to_dict()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._parts.writer.changed.disconnect(self._relay)
        self._parts.close()

    def __enter__(self) -> Memloci:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def paths(self) -> Paths:
        return self._parts.config.paths

    @property
    def settings(self) -> Settings:
        return self._parts.config.settings

    def save_settings(self, settings: Settings) -> None:
        self._parts.config.save(settings)

    # -- the less-used areas: each a typed object of its own -------------------------------------
    @property
    def capture(self) -> CaptureArea:
        """Screen capture: start and stop, pause, status, exclusion rules, kept frames."""
        return self._capture

    @property
    def agents(self) -> AgentsArea:
        """The memory agents' queue: run them, their status, retry parked items, consolidate."""
        return self._agents

    @property
    def clients(self) -> ClientService:
        """Programs with access (MCP clients): tokens, permissions, requests waiting, and the
        secret mask on what leaves."""
        return self._parts.clients

    @property
    def models(self) -> ModelService:
        """The language models: which one each role (chat, agents) uses, loading, a test call,
        the catalogue, downloads, the models folder, model servers on this computer."""
        return self._parts.models

    @property
    def data(self) -> DataService:
        """What is kept: erase by selection, retention, scrubbing the vector files, open export
        (Markdown, JSON Lines, CSV)."""
        return self._parts.data

    @property
    def entities(self) -> EntityService:
        """Fixing an entity (a person, place or thing): rename, change its kind, merge two,
        take a source off."""
        return self._parts.entities

    @property
    def autofill(self) -> AutofillService:
        """Autofill and prompt context: suggestions (vault values sealed), values for another
        program (policy, approval, logged), the disclosure log. Built on first use."""
        return self._parts.autofill.get()

    # -- remembering ----------------------------------------------------------------------------
    def add(
        self,
        text: str | None = None,
        *,
        type: MemoryType | str = MemoryType.EPISODIC,
        fields: dict[str, Any] | None = None,
        sources: Sequence[Source] = (USER_SOURCE,),
        actor: str = "user",
        origin: str | None = None,
        occurred_at: datetime | None = None,
        importance: float | None = None,
        reason: str | None = None,
        initiator: Initiator | None = None,
    ) -> Memory:
        """Remember something. For core memory, adding to an existing block appends to it."""
        return self._parts.memories.add(
            text,
            type=type,
            fields=fields,
            sources=sources,
            actor=actor,
            origin=origin,
            occurred_at=occurred_at,
            importance=importance,
            reason=reason,
            initiator=initiator,
        )

    def get(self, memory_id: str) -> Memory:
        return self._parts.memories.get(memory_id)

    def get_many(self, memory_ids: Sequence[str]) -> builtins.list[Memory]:
        """These memories (full ids), in the order given; ids no longer there are left out."""
        return self._parts.memories.get_many(memory_ids)

    def list(
        self,
        type: MemoryType | str | None = None,
        *,
        include_invalid: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[Memory]:
        return self._parts.memories.list(
            type,
            include_invalid=include_invalid,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )

    def update(
        self,
        memory_id: str,
        text: str | None = None,
        *,
        fields: dict[str, Any] | None = None,
        reason: str | None = None,
        actor: str = "user",
        sources: Sequence[Source] = (),
        initiator: Initiator | None = None,
    ) -> Memory:
        """Change a memory's fields; the old version stays in its history."""
        return self._parts.memories.update(
            memory_id,
            text,
            fields=fields,
            reason=reason,
            actor=actor,
            sources=sources,
            initiator=initiator,
        )

    def invalidate(self, memory_id: str, reason: str, *, actor: str = "user") -> Memory:
        """Mark a memory as no longer true. It stays, with `valid_to` and the reason."""
        return self._parts.memories.invalidate(memory_id, reason, actor=actor)

    def restore(self, memory_id: str, *, actor: str = "user", reason: str | None = None) -> Memory:
        return self._parts.memories.restore(memory_id, actor=actor, reason=reason)

    def forget(
        self,
        memory_ids: str | Sequence[str],
        *,
        cascade: bool = True,
        actor: str = "user",
        protect: frozenset[str] = frozenset(),
    ) -> ForgetPlan:
        """Purge memories for good and, with `cascade`, what came only from them (see
        `app.store.forgetting`); memories whose origin is in `protect` stay. Returns what was
        done."""
        return self._parts.memories.forget(
            memory_ids, cascade=cascade, actor=actor, protect=protect
        )

    def forget_preview(
        self, memory_ids: str | Sequence[str], *, cascade: bool = True
    ) -> ForgetPlan:
        """What `forget` would remove and change; nothing changes."""
        return self._parts.memories.forget_preview(memory_ids, cascade=cascade)

    delete = forget  # mem0's name for the same thing

    def history(self, memory_id: str) -> builtins.list[HistoryEntry]:
        return self._parts.memories.history(memory_id)

    def reveal(self, memory_id: str, passphrase: str | None = None) -> str:
        """A vault secret in clear. `high` sensitivity needs the passphrase again."""
        return self._parts.memories.reveal(memory_id, passphrase)

    def stats(self) -> Stats:
        return self._parts.memories.stats()

    # -- finding --------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        types: Sequence[MemoryType | str] | None = None,
        limit: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_invalid: bool = False,
    ) -> builtins.list[SearchHit]:
        return self._parts.search.search(
            query,
            types=types,
            limit=limit,
            since=since,
            until=until,
            include_invalid=include_invalid,
        )

    def preview_chat(self, path: str | os.PathLike[str]) -> ChatPreview:
        """What a chat file holds (speakers, counts, span), checked; nothing is stored."""
        return self._parts.search.preview_chat(path)

    def import_chat(
        self,
        path: str | os.PathLike[str],
        *,
        format: Format | None = None,
        agents: bool = True,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Import chat history (JSON Lines or a ChatGPT export), one episodic memory per
        message, searchable at once, queued for the agents unless `agents=False`."""
        result = self._parts.search.import_chat(
            path, format=format, agents=agents, progress=progress
        )
        if result.imported:
            self.memories_imported.emit(result)
        return result

    def index_sync(self, progress: Progress | None = None) -> int:
        """Embed everything still waiting for a vector now; returns how many."""
        return self._parts.search.index_sync(progress)

    def search_status(self) -> dict[str, Any]:
        """Embedder, vector index mode and counts (embedded, pending) for status displays."""
        return self._parts.search.search_status()

    def use_embedder(
        self,
        kind: str,
        *,
        model_path: str | None = None,
        url: str | None = None,
        model: str | None = None,
        api_key_env: str | None = None,
    ) -> dict[str, Any]:
        """Choose the embedder ("minilm", "gguf", "endpoint", "none"); tried once first."""
        return self._parts.search.use_embedder(
            kind, model_path=model_path, url=url, model=model, api_key_env=api_key_env
        )

    def reindex(self) -> int:
        """Rebuild derived indexes (full text and vectors) from SQLite."""
        return self._parts.search.reindex()

    # -- views ----------------------------------------------------------------------------------
    def browse(
        self, query: BrowseQuery | None = None, *, limit: int = 200, offset: int = 0
    ) -> builtins.list[Memory]:
        """One page of memories, filtered and sorted in SQL."""
        return self._parts.views.browse(query, limit=limit, offset=offset)

    def browse_count(self, query: BrowseQuery | None = None) -> int:
        return self._parts.views.browse_count(query)

    def source_kinds(self) -> builtins.list[str]:
        return self._parts.views.source_kinds()

    def memories_from_source(self, kind: str, ref: str) -> builtins.list[Memory]:
        """Every memory one chat message, screen frame or file contributed to (provenance)."""
        return self._parts.views.memories_from_source(kind, ref)

    def timeline(self, since: datetime, until: datetime) -> Timeline:
        return self._parts.views.timeline(since, until)

    def timeline_find(self, text: str) -> TimelineHits:
        """Moments whose text holds every word of `text`, oldest first, across all time."""
        return self._parts.views.timeline_find(text)

    def active_days(self, first: date, last: date) -> dict[date, int]:
        """Events per local day from `first` to `last` (the Timeline's calendar marks them)."""
        return self._parts.views.active_days(first, last)

    def on_this_day(self, day: date) -> builtins.list[EarlierDay]:
        """The same day in earlier years that has events, newest first."""
        return self._parts.views.on_this_day(day)

    def entity_graph(self, max_nodes: int = 150) -> EntityGraph:
        return self._parts.views.entity_graph(max_nodes)

    def activity(self, days: int = 30) -> Activity:
        return self._parts.views.activity(days)

    # -- keys and backups -----------------------------------------------------------------------
    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key under a new passphrase, atomically; no record is touched."""
        self._parts.keys.change_passphrase(old, new)

    def check_passphrase(self, passphrase: str) -> None:
        """Raise `WrongPassphrase` unless the passphrase opens this store."""
        self._parts.keys.check_passphrase(passphrase)

    @property
    def passphrase_in_use(self) -> str | None:
        """The passphrase the store was unlocked with, if one was given (not the keyring)."""
        return self._parts.keys.passphrase

    def set_keyring(self, enabled: bool) -> None:
        self._parts.keys.set_keyring(enabled)

    def export_backup(self, path: str | os.PathLike[str], passphrase: str) -> dict[str, int]:
        return self._parts.keys.export_backup(path, passphrase)

    def import_backup(self, path: str | os.PathLike[str], passphrase: str) -> dict[str, int]:
        return self._parts.keys.import_backup(path, passphrase)

    def integrity(self, *, quick: bool = False) -> builtins.list[str]:
        return self._parts.keys.integrity(quick=quick)

    # -- asking and chatting ---------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        record: bool = True,
    ) -> Answer:
        """Answer from memory with citations. `on_token(text)` gets the answer as it streams
        (on the model's thread); setting `cancel` stops it."""
        return self._parts.agents.get().ask(question, on_token, cancel, record)

    def start_chat(self, conversation_id: str | None = None) -> ChatSession:
        """A new conversation for `chat_turn`, or a kept one reopened."""
        return self._parts.conversations.start_chat(conversation_id)

    def chat_turn(
        self,
        session: ChatSession,
        text: str,
        *,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """One turn of a conversation, kept with it; what the person tells Memloci is
        remembered and queued for the agents."""
        return self._parts.conversations.chat_turn(session, text, on_token, cancel)

    # -- conversations with Memloci ------------------------------------------------------------
    def conversations(self) -> builtins.list[Conversation]:
        """Memloci's own conversations, the latest first (kept apart from the memories)."""
        return self._parts.conversations.conversations()

    def conversation_turns(self, conversation_id: str) -> builtins.list[ConversationTurn]:
        return self._parts.conversations.conversation_turns(conversation_id)

    def rename_conversation(self, conversation_id: str, title: str) -> Conversation:
        return self._parts.conversations.rename_conversation(conversation_id, title)

    def delete_conversation(self, conversation_id: str) -> bool:
        """Delete a conversation; what the person told Memloci in it stays remembered."""
        return self._parts.conversations.delete_conversation(conversation_id)

    def answer_source(self) -> AnswerSource:
        """Who writes answers now (the memories, or a model whose sentences are checked), with
        one line saying so for the person."""
        return self._parts.agents.get().answer_source()

    def warm_answers(self) -> None:
        """Load what answers are built with (the word lexicon), so the first one is quick."""
        self._parts.agents.get().warm_answers()

    # -- the local API -------------------------------------------------------------------------
    def api_token(self, *, rotate: bool = False) -> str:
        """The local API's bearer token, created on first use; `rotate` replaces it."""
        return self._parts.api_token(rotate=rotate)


__all__ = ["Changes", "Initiator", "Memloci", "MemlociError"]
