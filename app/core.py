"""`Memloci`: the one facade that the GUI, the CLI, the scheduler and the local API call.

Everything a person can do with their memory is a method here. `Memloci` is composed of typed
area services (memories, search, views, keys and backups, models, agents, autofill, capture)
built by `app.bootstrap`; each method hands over to its area. Every write goes through the
store's one `Writer`; after each commit the facade re-emits what changed (`changed`, and per
memory `memory_added` / `memory_updated` / `memory_forgotten`).
"""

from __future__ import annotations

import builtins
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from app import logs
from app.bootstrap import Parts, build_parts
from app.domain import HistoryEntry, Memory, MemoryType, SearchHit, Source, Stats
from app.erase.plan import ErasePlan
from app.erase.retention import RetentionReport
from app.erase.selection import Selection
from app.errors import InvalidInput, MemlociError
from app.export import ExportResult
from app.importers import ChatPreview, Format, ImportResult
from app.llm.base import Completion, GenerationOptions, Message
from app.llm.discovery import FoundServer
from app.llm.download import Downloaded, ProgressCallback
from app.llm.library import LocalModel
from app.llm.manager import CatalogView
from app.paths import Paths
from app.rekey import replace_data_key
from app.retrieval import Progress
from app.security.unlock import Prompt
from app.settings import Settings
from app.store.clients import Client, NewClient, Permission
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
    from app.agents.consolidate import ConsolidationReport
    from app.agents.pipeline import RunReport
    from app.autofill.approval import Approver
    from app.autofill.context import PromptContext
    from app.autofill.disclosures import Disclosure, Recipient
    from app.autofill.fields import FieldSpec
    from app.autofill.suggest import FieldSuggestions, PageContext
    from app.capture.context import WindowContext
    from app.capture.follow import TickResult
    from app.capture.frame_text import WordBox
    from app.capture.rules import ExclusionRule
    from app.capture.status import CaptureStatus
    from app.capture.store import RetainedFrame

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

    # -- what is kept: erase by selection, retention, open export (issue 20) ---------------------
    def erase_preview(self, selection: Selection, *, cascade: bool = True) -> ErasePlan:
        """What erasing a selection (`app.erase.selection.Selection`) would remove."""
        return self._parts.data.erase_preview(selection, cascade=cascade)

    def erase(
        self, selection: Selection, *, cascade: bool = True, wait_for_files: bool = False
    ) -> ErasePlan:
        """Forget a selection and what came only from it; `wait_for_files` waits until the
        vector index's files hold none of it."""
        return self._parts.data.erase(selection, cascade=cascade, wait_for_files=wait_for_files)

    def recorded_apps(self) -> builtins.list[tuple[str, int]]:
        return self._parts.data.recorded_apps()

    def scrub_vectors(self, progress: Progress | None = None) -> str:
        return self._parts.data.scrub_vectors(progress)

    def retention_preview(self) -> RetentionReport:
        return self._parts.data.retention_preview()

    def apply_retention(self) -> RetentionReport:
        return self._parts.data.apply_retention()

    def export_memories(
        self,
        path: str | os.PathLike[str],
        format: str,
        *,
        types: Sequence[MemoryType | str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        passphrase: str | None = None,
    ) -> ExportResult:
        """Memories as Markdown notes, JSON Lines or CSV (`app.export`)."""
        return self._parts.data.export_memories(
            path, format, types=types, since=since, until=until, passphrase=passphrase
        )

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

    # -- the language models --------------------------------------------------------------------
    def model_info(self, role: str = "chat") -> dict[str, Any]:
        """The model a role ("chat" or "agents") uses, without loading it; the agents' role says
        whether it shares the chat model (`shared`)."""
        return self._parts.models.model_info(role)

    def load_model(self) -> dict[str, Any]:
        """Load the chat model now rather than on first use (the app warms it up)."""
        return self._parts.models.load_model()

    def use_model(
        self,
        backend: str,
        *,
        path: str | None = None,
        endpoint: str | None = None,
        model_name: str | None = None,
        api_key: str | None = None,
        role: str = "chat",
    ) -> dict[str, Any]:
        """Pick the bundled model, a GGUF file (a path or a downloaded model's name), an
        OpenAI-compatible endpoint, or, for the agents, "same" as chat. Saved in settings; an
        API key goes to the encrypted database."""
        return self._parts.models.use_model(
            backend,
            path=path,
            endpoint=endpoint,
            model_name=model_name,
            api_key=api_key,
            role=role,
        )

    def endpoint_models(self, role: str = "chat") -> builtins.list[str]:
        """The models the role's model server lists ([] for a local model)."""
        return self._parts.models.endpoint_models(role)

    def complete(
        self,
        messages: builtins.list[Message],
        options: GenerationOptions,
        *,
        role: str = "chat",
    ) -> Completion:
        """One raw completion from the model a role uses (`memloci model test`)."""
        return self._parts.models.complete(messages, options, role)

    def model_catalog(self, *, measure_again: bool = False, measure: bool = True) -> CatalogView:
        """Curated models with memory, speed and fit on this computer, and a recommendation.
        The first call measures the bundled model here (a few seconds); `measure=False` uses
        only a remembered measurement."""
        return self._parts.models.model_catalog(measure_again=measure_again, measure=measure)

    def download_model(
        self,
        spec: str,
        *,
        sha256: str | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Downloaded:
        """Download a catalogue model, a hub file (`owner/repo/file.gguf`) or a URL into the
        models folder; resumes a stopped download. `cancel` stops it (the part is kept)."""
        return self._parts.models.download_model(
            spec, sha256=sha256, on_progress=on_progress, cancel=cancel
        )

    def installed_models(self) -> builtins.list[LocalModel]:
        return self._parts.models.installed_models()

    def models_in_use(self) -> dict[str, str]:
        """Downloaded or chosen GGUF files by role: {"chat": path, "agents": path}."""
        return self._parts.models.models_in_use()

    def remove_model(self, name: str) -> builtins.list[Path]:
        """Delete a downloaded model or an unfinished download; refused while a role uses it."""
        return self._parts.models.remove_model(name)

    def models_folder(self) -> Path:
        return self._parts.models.models_folder()

    def find_model_servers(self) -> builtins.list[FoundServer]:
        """Ollama, LM Studio, llama.cpp and other servers on this computer, with their models.
        Only their model lists are read; nothing is sent to them."""
        return self._parts.models.find_model_servers()

    # -- chat and the memory agents -------------------------------------------------------------
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

    # -- fixing an entity (a person, place or thing) -------------------------------------------
    def entity_kinds(self) -> tuple[str, ...]:
        """The kinds an entity can be given (empty when records keep no kind)."""
        return self._parts.entities.kinds()

    def rename_entity(self, memory_id: str, name: str) -> Memory:
        """A new name; the old one stays as an alias where records keep aliases."""
        return self._parts.entities.rename_entity(memory_id, name)

    def change_entity_kind(self, memory_id: str, kind: str) -> Memory:
        return self._parts.entities.change_entity_kind(memory_id, kind)

    def merge_entities(self, keep_id: str, other_id: str) -> Memory:
        """Two records of one entity become `keep`; the other is forgotten."""
        return self._parts.entities.merge_entities(keep_id, other_id)

    def detach_source(self, memory_id: str, kind: str, ref: str) -> Memory:
        """Take a source that is not about it off an entity (one source must stay)."""
        return self._parts.entities.detach_source(memory_id, kind, ref)

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

    def process_queue(
        self,
        *,
        limit: int | None = None,
        cancel: threading.Event | None = None,
        on_progress: Callable[[RunReport], None] | None = None,
    ) -> RunReport:
        """Run the memory agents over queued chat and screen input."""
        return self._parts.agents.get().process_queue(limit, cancel, on_progress)

    def agent_status(self) -> dict[str, Any]:
        """Backlog, parked items, the last run's figures and the model in use."""
        return self._parts.agents.get().status()

    def retry_failed_agent_items(self) -> int:
        return self._parts.agents.get().retry_failed()

    def consolidate(self, *, now: datetime | None = None) -> ConsolidationReport:
        """Merge duplicates, roll old activity into day summaries, let importance fade."""
        return self._parts.agents.get().consolidate(now)

    # -- autofill and the local API -------------------------------------------------------------
    def autofill_suggest(
        self, fields: Sequence[FieldSpec], page: PageContext | None = None
    ) -> builtins.list[FieldSuggestions]:
        """Ranked suggestions per field; vault values stay sealed (None) and nothing is
        logged: for the person's own popup and CLI listing."""
        return self._parts.autofill.get().suggest(fields, page)

    def autofill(
        self,
        fields: Sequence[FieldSpec],
        page: PageContext | None,
        recipient: Recipient,
        *,
        limit: int | None = None,
        review: bool = False,
        picks: Sequence[str] | None = None,
    ) -> builtins.list[FieldSuggestions]:
        """Values for another program: vault values per policy and approval; logged."""
        return self._parts.autofill.get().fill(
            fields, page, recipient, limit, review=review, picks=picks
        )

    def autofill_reveal(
        self, memory_id: str, recipient: Recipient, purpose: str, passphrase: str | None = None
    ) -> str:
        """A vault value the person chose (popup, CLI); high sensitivity needs the passphrase."""
        return self._parts.autofill.get().reveal(memory_id, recipient, purpose, passphrase)

    def record_disclosure(
        self, recipient: Recipient, purpose: str, memories: Sequence[Memory]
    ) -> None:
        """Log that values of these memories were handed out (copied, typed, printed)."""
        self._parts.autofill.get().record(recipient, purpose, memories)

    def prompt_context(
        self, text: str, *, max_chars: int | None = None, recipient: Recipient | None = None
    ) -> PromptContext:
        """A compact, cited block of relevant memories (no secrets) to paste into an AI chat."""
        return self._parts.autofill.get().prompt_context(text, max_chars, recipient)

    def disclosures(self, *, limit: int = 50, offset: int = 0) -> builtins.list[Disclosure]:
        """The disclosure log, newest first: what memory went to whom, when."""
        if limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._parts.autofill.get().log.list(limit=limit, offset=offset)

    def set_approver(self, approver: Approver | None) -> None:
        """Who asks the person before a medium/high vault value leaves (None: nobody)."""
        self._parts.autofill.get().set_approver(approver)

    def api_token(self, *, rotate: bool = False) -> str:
        """The local API's bearer token, created on first use; `rotate` replaces it."""
        return self._parts.api_token(rotate=rotate)

    # -- programs with access (MCP clients) -----------------------------------------------------
    def clients(self, *, include_gone: bool = False) -> builtins.list[Client]:
        """Active clients and requests waiting (`include_gone`: revoked and denied too)."""
        return self._parts.clients.clients(include_gone=include_gone)

    def client_add(self, name: str, permissions: Iterable[Permission] | None = None) -> NewClient:
        """A new client with its own token, returned this once (only a hash is kept)."""
        return self._parts.clients.add(name, permissions)

    def client_revoke(self, ident: str) -> Client:
        """Stop a client (by id or name) at its next request, in every process."""
        return self._parts.clients.revoke(ident)

    def client_allow(self, ident: str, permissions: Iterable[Permission]) -> Client:
        """Replace what a client may do (read, ask, add)."""
        return self._parts.clients.allow(ident, permissions)

    def client_identify(self, token: str | None) -> Client | None:
        """The active client holding this token, else None."""
        return self._parts.clients.identify(token)

    def client_launched(self, name: str, launcher: str) -> Client | None:
        """An active client approved for this name and launching program (stdio, no token)."""
        return self._parts.clients.launched(name, launcher)

    def client_request(self, name: str, launcher: str) -> Client:
        """Ask the person to approve a program that connected without a token."""
        return self._parts.clients.request(name, launcher)

    def client_requests(self) -> builtins.list[Client]:
        """Requests waiting for the person's approval, oldest first."""
        return self._parts.clients.requests()

    def client_decide(self, client_id: str, permissions: Iterable[Permission] | None) -> Client:
        """Approve a waiting request with these permissions, or deny it (None)."""
        return self._parts.clients.decide(client_id, permissions)

    def client_status(self, client_id: str) -> Client:
        return self._parts.clients.status(client_id)

    def mask_secrets(self, texts: Sequence[str]) -> builtins.list[str]:
        """`texts` with every vault secret that appears in them verbatim, and every
        secret-shaped string, replaced: for text that leaves Memloci."""
        return self._parts.clients.mask_secrets(texts)

    # -- screen capture -------------------------------------------------------------------------
    def capture_start(self) -> None:
        """Capture in the background (APScheduler threads) until `capture_stop` or close."""
        self._parts.capture.start()

    def capture_stop(self, drain_seconds: float = 0.0) -> int:
        """Stop capturing; returns the frames still waiting for OCR (kept for next time)."""
        return self._parts.capture.stop(drain_seconds)

    @property
    def capturing(self) -> bool:
        return self._parts.capture.running

    def capture_now(self) -> TickResult:
        """Look at the window in front now and read it."""
        return self._parts.capture.capture_once()

    def capture_pause(self, minutes: float | None = None) -> CaptureStatus:
        """Pause capture everywhere (this or another process) for `minutes` or until resumed."""
        return self._parts.capture.pause(minutes)

    def capture_resume(self) -> CaptureStatus:
        return self._parts.capture.resume()

    def capture_status(self) -> CaptureStatus:
        """Activity, last frame, backlogs, stall flag."""
        return self._parts.capture.status()

    def capture_rules(self) -> builtins.list[ExclusionRule]:
        """Exclusion rules, defaults first."""
        return self._parts.capture.store.rules()

    def capture_exclude(self, kind: str, pattern: str, note: str = "") -> ExclusionRule:
        """Never capture windows whose app, title or address (`kind`) matches the glob."""
        return self._parts.capture.store.add_rule(kind, pattern, note)

    def capture_unexclude(self, rule_id: int) -> ExclusionRule:
        return self._parts.capture.store.remove_rule(rule_id)

    def would_capture(self, context: WindowContext) -> tuple[bool, str]:
        """Would this window be captured, and why."""
        return self._parts.capture.would_capture(context)

    def capture_sessions(self, limit: int = 20) -> builtins.list[dict[str, Any]]:
        """Recent activity sessions (metadata; each one's text is in its episodic memory)."""
        return self._parts.capture.recent_sessions(limit)

    def capture_frames(
        self, session_id: str | None = None, *, oldest_first: bool = False
    ) -> builtins.list[RetainedFrame]:
        """Retained frames, newest first; a session id is a screen source ref."""
        return self._parts.capture.frames(session_id, oldest_first=oldest_first)

    def capture_frames_between(
        self, since: datetime, until: datetime
    ) -> builtins.list[RetainedFrame]:
        """Retained frames taken between two moments, oldest first (Timeline thumbnails)."""
        return self._parts.capture.frames_between(since, until)

    def capture_find_on_frame(self, frame_id: str, text: str) -> builtins.list[WordBox]:
        """Where the words of `text` are on a retained frame (read again, on demand)."""
        return self._parts.capture.find_on_frame(frame_id, text)

    def capture_frame(self, frame_id: str) -> bytes:
        """A retained frame's image (WebP bytes), decrypted."""
        return self._parts.capture.frame_image(frame_id)


__all__ = ["Changes", "Initiator", "Memloci", "MemlociError"]
