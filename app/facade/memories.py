"""Memories: adding, reading, changing, invalidating, forgetting. Writes go to the `Writer`."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.domain import HistoryEntry, Memory, MemoryType, Source, Stats
from app.errors import InvalidInput, PassphraseRequired
from app.facade.config import Config
from app.facade.keys import KeyService
from app.store import forgetting
from app.store.forgetting import ForgetPlan
from app.store.memories import MemoryRepository
from app.store.writer import USER_SOURCE, Initiator, Writer

log = logging.getLogger(__name__)


class MemoryService:
    def __init__(
        self, config: Config, repo: MemoryRepository, writer: Writer, keys: KeyService
    ) -> None:
        self._config = config
        self._repo = repo
        self._writer = writer
        self._keys = keys

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
        return self._writer.add(
            MemoryType.parse(str(type)),
            text,
            fields,
            initiator=initiator,
            sources=sources,
            actor=actor,
            origin=origin,
            occurred_at=occurred_at,
            importance=importance,
            reason=reason,
        )

    def get(self, memory_id: str) -> Memory:
        return self._repo.get(memory_id)

    def get_many(self, memory_ids: Sequence[str]) -> builtins.list[Memory]:
        """These memories (full ids), in the order given; ids no longer there are left out."""
        return self._repo.get_many(list(memory_ids))

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
        memory_type = MemoryType.parse(str(type)) if type else None
        if limit < 1:
            raise InvalidInput("The limit must be at least 1.")
        return self._repo.list(
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
        initiator: Initiator | None = None,
    ) -> Memory:
        """Change a memory's fields; the old version stays in its history."""
        return self._writer.merge(
            self._repo.resolve(memory_id),
            text,
            fields,
            initiator=initiator,
            actor=actor,
            reason=reason,
            sources=sources,
        )

    def invalidate(self, memory_id: str, reason: str, *, actor: str = "user") -> Memory:
        """Mark a memory as no longer true. It stays, with `valid_to` and the reason."""
        if not reason or not reason.strip():
            raise InvalidInput("Say why the memory is no longer true (a reason is required).")
        return self._writer.set_validity(
            self._repo.resolve(memory_id), valid=False, actor=actor, reason=reason
        )

    def restore(self, memory_id: str, *, actor: str = "user", reason: str | None = None) -> Memory:
        return self._writer.set_validity(
            self._repo.resolve(memory_id), valid=True, actor=actor, reason=reason
        )

    def forget(
        self,
        memory_ids: str | Sequence[str],
        *,
        cascade: bool = True,
        actor: str = "user",
        protect: frozenset[str] = frozenset(),
    ) -> ForgetPlan:
        """Purge memories for good (record, history, full-text and vector entries) and, with
        `cascade`, what came only from them; memories with another source stay and lose the
        forgotten one, as do those whose origin is in `protect` (retention keeps what the
        person entered). `forget_preview` says what this does. Returns what was done."""
        return self._writer.forget(
            self._resolve_all(memory_ids), cascade=cascade, actor=actor, protect=protect
        )

    def forget_preview(
        self, memory_ids: str | Sequence[str], *, cascade: bool = True
    ) -> ForgetPlan:
        """What `forget` would remove and change (counts by type, ids, short text); nothing
        changes. The CLI's confirmation and the desktop app's dialog show it."""
        return forgetting.plan(self._repo, self._resolve_all(memory_ids), cascade=cascade)

    def _resolve_all(self, memory_ids: str | Sequence[str]) -> builtins.list[str]:
        given = [memory_ids] if isinstance(memory_ids, str) else list(memory_ids)
        if not given:
            raise InvalidInput("Say which memory to forget (an id).")
        return list(dict.fromkeys(self._repo.resolve(i) for i in given))

    def history(self, memory_id: str) -> builtins.list[HistoryEntry]:
        return self._repo.history(self._repo.resolve(memory_id))

    def reveal(self, memory_id: str, passphrase: str | None = None) -> str:
        """A vault secret in clear. `high` sensitivity needs the passphrase again."""
        memory = self.get(memory_id)
        if memory.type is not MemoryType.VAULT:
            raise InvalidInput(f"The memory {memory.id} is not a vault entry.")
        if memory.fields.get("sensitivity") == "high":
            if not passphrase:
                raise PassphraseRequired("This secret is high sensitivity: give the passphrase.")
            self._keys.check_passphrase(passphrase)
        log.info("vault entry %s revealed", memory.id)
        return self._repo.secret(memory.id)

    def secret(self, memory_id: str) -> str:
        """A vault secret, unsealed, for the areas that apply their own disclosure rules."""
        return self._repo.secret(memory_id)

    def stats(self) -> Stats:
        counts = self._repo.counts()
        paths = self._config.paths
        database_bytes = sum(
            p.stat().st_size for p in paths.data.glob(paths.database.name + "*") if p.is_file()
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
