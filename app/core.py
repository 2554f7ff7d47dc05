"""`Memloci`: the one facade that the GUI, the CLI, the scheduler and the local API call.

Everything a person can do with their memory is a method here. Adapters arrive ready-made from
`app.bootstrap`; this module holds no I/O of its own beyond calling them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from psygnal import Signal

from app.domain import HistoryEntry, Memory, MemoryType, SearchHit, Source, Stats
from app.errors import InvalidInput, MemlociError
from app.facade.agents import AgentsFacade
from app.facade.autofill import AutofillFacade
from app.facade.base import Services
from app.facade.capture import CaptureFacade
from app.facade.clients import ClientsFacade
from app.facade.models import ModelsFacade
from app.facade.retrieval import RetrievalFacade
from app.facade.views import ViewsFacade
from app.memory import kind_of
from app.memory.core import CoreKind
from app.retrieval import SearchRequest
from app.settings import Settings
from app.store import forgetting
from app.store.forgetting import ForgetPlan

log = logging.getLogger(__name__)

USER_SOURCE = Source("user", "manual")


class Memloci(
    RetrievalFacade,
    AgentsFacade,
    ModelsFacade,
    CaptureFacade,
    AutofillFacade,
    ViewsFacade,
    ClientsFacade,
):
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

    @staticmethod
    def replace_data_key(
        home: str | os.PathLike[str] | None,
        old_passphrase: str,
        new_passphrase: str,
        *,
        progress: Any = None,
    ) -> dict[str, Any]:
        """Re-encrypt the whole store under a new random data key (see `app.rekey`). The store
        must be closed everywhere; the new passphrase may equal the old one."""
        from app import logs
        from app.paths import Paths
        from app.rekey import replace_data_key

        paths = Paths.resolve(home)
        logs.setup(paths)
        return replace_data_key(paths, old_passphrase, new_passphrase, progress=progress).to_dict()

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
        for closer in self._s.extras.get("after_close", []):
            closer()  # the store's in-use lock: released once nothing holds the database

    def __enter__(self) -> Memloci:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    def forget(
        self, memory_ids: str | Sequence[str], *, cascade: bool = True, actor: str = "user"
    ) -> ForgetPlan:
        """Purge memories for good (record, history, full-text and vector entries) and, with
        `cascade`, what came only from them; memories with another source stay and lose the
        forgotten one. `forget_preview` says what this does. Returns what was done."""
        ids = self._resolve_all(memory_ids)
        done = forgetting.forget(self._s.repo, ids, cascade=cascade, actor=actor)
        if done.purged_ids:
            self._s.retriever.removed(done.purged_ids)
        changed = self._s.repo.get_many(done.kept_ids)
        if changed:
            self._s.retriever.indexed(changed)
        for memory_id in done.purged_ids:
            self.memory_forgotten.emit(memory_id)
        for memory in changed:
            self.memory_updated.emit(memory)
        return done

    def forget_preview(
        self, memory_ids: str | Sequence[str], *, cascade: bool = True
    ) -> ForgetPlan:
        """What `forget` would remove and change (counts by type, ids, short text); nothing
        changes. The CLI's confirmation and the desktop app's dialog show it."""
        return forgetting.plan(self._s.repo, self._resolve_all(memory_ids), cascade=cascade)

    def _resolve_all(self, memory_ids: str | Sequence[str]) -> list[str]:
        given = [memory_ids] if isinstance(memory_ids, str) else list(memory_ids)
        if not given:
            raise InvalidInput("Say which memory to forget (an id).")
        return list(dict.fromkeys(self._s.repo.resolve(i) for i in given))

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
        """Re-wrap the data key under a new passphrase, atomically; no record is touched. Under
        the set-up lock, as the keyfile's other writers are."""
        from app.rekey import setup_lock

        with setup_lock(self.paths.data):
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
        """Rebuild the derived indexes (full text with chat context, vectors) from SQLite."""
        count = int(self._s.database.scalar("SELECT count(*) FROM memories") or 0)
        rebuild = getattr(self._s.retriever, "rebuild", None)
        if callable(rebuild):
            rebuild()
        return count

    def integrity(self) -> list[str]:
        return self._s.database.integrity_check(quick=False)


__all__ = ["Memloci", "MemlociError", "Services"]
