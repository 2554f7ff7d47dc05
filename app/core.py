"""`Memloci`: the one facade that the GUI, the CLI, the scheduler and the local API call.

Everything a person can do with their memory is a method here. Adapters arrive ready-made from
`app.bootstrap`; this module holds no I/O of its own beyond calling them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from psygnal import Signal

from app.domain import HistoryEntry, Memory, MemoryType, SearchHit, Source, Stats
from app.errors import InvalidInput, MemlociError
from app.memory import kind_of
from app.memory.core import CoreKind
from app.paths import Paths
from app.retrieval import Retriever, SearchRequest
from app.security.keys import Keyfile
from app.settings import Settings
from app.store.db import Database
from app.store.memories import MemoryRepository
from app.store.queue import WorkQueue

log = logging.getLogger(__name__)

USER_SOURCE = Source("user", "manual")


@dataclass
class Services:
    """What `bootstrap` hands the facade. Later parts (models, capture) add their adapters."""

    paths: Paths
    settings: Settings
    keyfile: Keyfile
    data_key: bytes
    database: Database
    repo: MemoryRepository
    retriever: Retriever
    queue: WorkQueue
    passphrase: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    autofill: Any = None  # app.autofill.service.AutofillService, built on first use
    llm: Any = None  # app.llm.factory.ModelRuntime (bootstrap); the model loads on first use
    agents: Any = None  # app.agents.service.AgentService, built on first use
    capture: Any = None  # app.capture.service.CaptureService (bootstrap); adapters on first use


class Memloci:
    """A person's memory, unlocked. Open with `Memloci.open()`, close with `close()`."""

    memory_added = Signal(object)  # Memory
    memory_updated = Signal(object)  # Memory
    memory_forgotten = Signal(str)  # memory id

    def __init__(self, services: Services) -> None:
        self._s = services
        self._closed = False

    # -- life cycle -----------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        home: str | os.PathLike[str] | None = None,
        passphrase: str | None = None,
        *,
        prompt: Any = None,
        create: bool = True,
    ) -> Memloci:
        """Unlock (or, with `create`, set up) the store under `home` or `$MEMLOCI_HOME`."""
        from app.bootstrap import build

        return build(home, passphrase, prompt=prompt, create=create)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for closer in self._s.extras.get("closers", []):
            try:
                closer()
            except Exception:  # closing must go on for the rest
                log.exception("closing %s failed", closer)
        self._s.database.close()

    def __enter__(self) -> Memloci:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def paths(self) -> Paths:
        return self._s.paths

    @property
    def settings(self) -> Settings:
        return self._s.settings

    @property
    def services(self) -> Services:
        return self._s

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
    ) -> Memory:
        """Remember something. For core memory, adding to an existing block appends to it."""
        memory_type = MemoryType.parse(str(type))
        kind = kind_of(memory_type)
        given = dict(fields or {})
        if isinstance(kind, CoreKind):
            block = self._s.repo.core_block(str(given.get("label", "human")))
            if block is not None:
                addition = text if text is not None else str(given.get("value", ""))
                if not addition.strip():
                    raise InvalidInput("The text is empty; say what to remember.")
                merged = kind.append(block.fields, addition)
                return self._store_update(block.id, merged, actor, reason or "appended", sources)
        values = kind.build(text, given)
        memory = self._s.repo.insert(
            memory_type,
            values,
            sources=list(sources) or [USER_SOURCE],
            origin=origin or ("user" if actor == "user" else actor.split(":")[0]),
            actor=actor,
            occurred_at=occurred_at,
            importance=importance if importance is not None else (1.0 if actor == "user" else 0.5),
            reason=reason,
        )
        self._s.retriever.indexed([memory])
        self.memory_added.emit(memory)
        return memory

    def get(self, memory_id: str) -> Memory:
        return self._s.repo.get(memory_id)

    def list(
        self,
        type: MemoryType | str | None = None,
        *,
        include_invalid: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Memory]:
        memory_type = MemoryType.parse(str(type)) if type else None
        if limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._s.repo.list(
            memory_type,
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
    ) -> Memory:
        """Change a memory's fields; the old version stays in its history."""
        current = self.get(memory_id)
        kind = kind_of(current.type)
        changes = dict(fields or {})
        if text is not None:
            changes[kind.primary] = text
        if not changes:
            raise InvalidInput("Nothing to change: give a new text or --field NAME=VALUE.")
        old_fields = dict(current.fields)
        if current.type is MemoryType.VAULT:
            old_fields["secret_value"] = self._s.repo.secret(current.id)
        merged = kind.merge(old_fields, changes)
        return self._store_update(current.id, merged, actor, reason, sources)

    def _store_update(
        self,
        memory_id: str,
        fields: dict[str, Any],
        actor: str,
        reason: str | None,
        sources: Sequence[Source],
    ) -> Memory:
        memory = self._s.repo.update(
            memory_id, fields, actor=actor, reason=reason, add_sources=list(sources)
        )
        self._s.retriever.indexed([memory])
        self.memory_updated.emit(memory)
        return memory

    def invalidate(self, memory_id: str, reason: str, *, actor: str = "user") -> Memory:
        """Mark a memory as no longer true. It stays, with `valid_to` and the reason."""
        if not reason or not reason.strip():
            raise InvalidInput("Say why the memory is no longer true (a reason is required).")
        memory_id = self._s.repo.resolve(memory_id)
        memory = self._s.repo.set_validity(memory_id, valid=False, actor=actor, reason=reason)
        self._s.retriever.indexed([memory])
        self.memory_updated.emit(memory)
        return memory

    def restore(self, memory_id: str, *, actor: str = "user", reason: str | None = None) -> Memory:
        memory_id = self._s.repo.resolve(memory_id)
        memory = self._s.repo.set_validity(memory_id, valid=True, actor=actor, reason=reason)
        self._s.retriever.indexed([memory])
        self.memory_updated.emit(memory)
        return memory

    def forget(self, memory_id: str) -> None:
        """Purge a memory for good: record, history, full-text and vector entries."""
        memory_id = self._s.repo.resolve(memory_id)
        self._s.repo.forget([memory_id])
        self._s.retriever.removed([memory_id])
        self.memory_forgotten.emit(memory_id)

    delete = forget  # mem0's name for the same thing

    def history(self, memory_id: str) -> list[HistoryEntry]:
        return self._s.repo.history(self._s.repo.resolve(memory_id))

    def reveal(self, memory_id: str, passphrase: str | None = None) -> str:
        """A vault secret in clear. `high` sensitivity needs the passphrase again."""
        memory = self.get(memory_id)
        if memory.type is not MemoryType.VAULT:
            raise InvalidInput(f"The memory {memory.id} is not a vault entry.")
        if memory.fields.get("sensitivity") == "high":
            if not passphrase:
                from app.errors import PassphraseRequired

                raise PassphraseRequired("This secret is high sensitivity: give the passphrase.")
            self._s.keyfile.unlock(passphrase)
        log.info("vault entry %s revealed", memory.id)
        return self._s.repo.secret(memory.id)

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
            limit=limit or self.settings.search.default_limit,
            include_invalid=include_invalid,
        )
        if request.limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._s.retriever.search(request)

    def stats(self) -> Stats:
        counts = self._s.repo.counts()
        database_bytes = sum(
            p.stat().st_size
            for p in self.paths.data.glob(self.paths.database.name + "*")
            if p.is_file()
        )
        return Stats(
            by_type=counts["by_type"],
            invalidated=counts["invalidated"],
            total=sum(counts["by_type"].values()),
            history_rows=counts["history_rows"],
            database_bytes=database_bytes,
            oldest=counts["oldest"],
            newest=counts["newest"],
        )

    # -- keys and backups -----------------------------------------------------------------------
    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key under a new passphrase, atomically; no record is touched."""
        self._s.keyfile = self._s.keyfile.rewrap(old, new)
        self._s.passphrase = new
        log.info("passphrase changed")

    def set_keyring(self, enabled: bool) -> None:
        from app.security import unlock

        if enabled:
            unlock.keyring_set(self._s.keyfile.install_id, self._s.data_key)
        else:
            unlock.keyring_delete(self._s.keyfile.install_id)
        self.save_settings(self.settings.with_value("security.use_keyring", enabled))

    def save_settings(self, settings: Settings) -> None:
        settings.save(self.paths.settings_file)
        self._s.settings = settings

    def export_backup(self, path: str | os.PathLike[str], passphrase: str) -> dict[str, int]:
        from app.backup import export_backup

        return export_backup(self._s.repo, Path(path), passphrase)

    def import_backup(self, path: str | os.PathLike[str], passphrase: str) -> dict[str, int]:
        from app.backup import import_backup

        result = import_backup(self._s.repo, Path(path), passphrase)
        self.reindex()
        return result

    def reindex(self) -> int:
        """Rebuild derived indexes (full-text now; vectors too once they exist) from SQLite."""
        with self._s.database.write() as db:
            db.conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('rebuild')")
        count = int(self._s.database.scalar("SELECT count(*) FROM memories") or 0)
        rebuild = getattr(self._s.retriever, "rebuild", None)
        if callable(rebuild):
            rebuild()
        return count

    def integrity(self) -> list[str]:
        return self._s.database.integrity_check(quick=False)

    # -- desktop app views (issue 6: the GUI's read models, in app/views) -----------------------
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

    # -- autofill and the local API (issue 7: app/autofill, app/api) ---------------------------
    _autofill_lock = threading.Lock()

    def _autofill(self) -> Any:
        with self._autofill_lock:  # API worker threads may ask first, at the same time
            if self._s.autofill is None:
                from app.autofill.service import AutofillService

                self._s.autofill = AutofillService(self)
        return self._s.autofill

    def autofill_suggest(self, fields: Sequence[Any], page: Any = None) -> list[Any]:
        """Ranked suggestions per field (`app.autofill.fields.FieldSpec`); vault values stay
        sealed (None) and nothing is logged: for the person's own popup and CLI listing."""
        return self._autofill().suggest(fields, page)

    def autofill(
        self, fields: Sequence[Any], page: Any, recipient: Any, *, limit: int | None = None
    ) -> list[Any]:
        """Values for another program: vault values per policy and approval; logged."""
        return self._autofill().fill(fields, page, recipient, limit)

    def autofill_reveal(
        self, memory_id: str, recipient: Any, purpose: str, passphrase: str | None = None
    ) -> str:
        """A vault value the person chose (popup, CLI); high sensitivity needs the passphrase."""
        return self._autofill().reveal(memory_id, recipient, purpose, passphrase)

    def record_disclosure(self, recipient: Any, purpose: str, memories: Sequence[Memory]) -> None:
        """Log that values of these memories were handed out (copied, typed, printed)."""
        self._autofill().record(recipient, purpose, memories)

    def prompt_context(
        self, text: str, *, max_chars: int | None = None, recipient: Any = None
    ) -> Any:
        """A compact, cited block of relevant memories (no secrets) to paste into an AI chat."""
        return self._autofill().prompt_context(text, max_chars, recipient)

    def disclosures(self, *, limit: int = 50, offset: int = 0) -> list[Any]:
        """The disclosure log, newest first: what memory went to whom, when."""
        if limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._autofill().log.list(limit=limit, offset=offset)

    def set_approver(self, approver: Any) -> None:
        """Who asks the person before a medium/high vault value leaves (None: nobody)."""
        self._autofill().set_approver(approver)

    def api_token(self, *, rotate: bool = False) -> str:
        """The local API's bearer token, created on first use; `rotate` replaces it."""
        from app.api.tokens import api_token

        return api_token(self._s.database, rotate=rotate)

    # -- screen capture (issue 5: app/capture) ---------------------------------------------------
    def _capture(self) -> Any:
        return self._s.capture

    def capture_start(self) -> None:
        """Capture in the background (APScheduler threads) until `capture_stop` or close."""
        self._capture().start()

    def capture_stop(self, drain_seconds: float = 0.0) -> int:
        """Stop capturing; returns the frames still waiting for OCR (kept for next time)."""
        return self._capture().stop(drain_seconds)

    @property
    def capturing(self) -> bool:
        return self._capture().running

    def capture_now(self) -> Any:
        """Look at the window in front now and read it (`app.capture.service.TickResult`)."""
        return self._capture().capture_once()

    def capture_pause(self, minutes: float | None = None) -> Any:
        """Pause capture everywhere (this or another process) for `minutes` or until resumed."""
        return self._capture().pause(minutes)

    def capture_resume(self) -> Any:
        return self._capture().resume()

    def capture_status(self) -> Any:
        """`app.capture.status.CaptureStatus`: activity, last frame, backlogs, stall flag."""
        return self._capture().status()

    def capture_rules(self) -> list[Any]:
        """Exclusion rules (`app.capture.rules.ExclusionRule`), defaults first."""
        return self._capture().store.rules()

    def capture_exclude(self, kind: str, pattern: str, note: str = "") -> Any:
        """Never capture windows whose app, title or address (`kind`) matches the glob."""
        return self._capture().store.add_rule(kind, pattern, note)

    def capture_unexclude(self, rule_id: int) -> Any:
        return self._capture().store.remove_rule(rule_id)

    def would_capture(self, context: Any) -> tuple[bool, str]:
        """Would this window (`app.capture.context.WindowContext`) be captured, and why."""
        from app.capture.rules import would_capture

        return would_capture(context, self._capture().store.rules())

    def capture_sessions(self, limit: int = 20) -> list[dict[str, Any]]:
        """Recent activity sessions (metadata; each one's text is in its episodic memory)."""
        return self._capture().recent_sessions(limit)

    def capture_frames(self, session_id: str | None = None) -> list[Any]:
        """Retained frames (`RetainedFrame`), newest first; a session id is a screen source ref."""
        return self._capture().store.frames(session_id)

    def capture_frame(self, frame_id: str) -> bytes:
        """A retained frame's image (WebP bytes), decrypted."""
        return self._capture().frame_image(frame_id)

    # -- language model and memory agents (issue 4: app/llm, app/agents) -----------------------
    _agents_lock = threading.Lock()

    def _agents(self) -> Any:
        with self._agents_lock:
            if self._s.agents is None:
                from app.agents.service import AgentService

                self._s.agents = AgentService(self)
        return self._s.agents

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

    # -- retrieval and chat import (issue 3: app/search, app/embed, app/vectors, app/importers) --
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


__all__ = ["Memloci", "MemlociError", "Services"]
