"""Memory records in the encrypted database: rows, sources, history, full-text index.

Every change runs in one transaction that writes the record, its sources and an audit row
together, so a crash leaves either all of it or none. The full-text index follows the table
through triggers. Vault secrets are sealed with their own key before they reach a row.
"""

from __future__ import annotations

import base64
import builtins
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain import HistoryEntry, Memory, MemoryType, Source, from_iso, to_iso, utcnow
from app.errors import AmbiguousId, InvalidInput, NotFound
from app.memory import kind_of
from app.security.cipher import FieldCipher
from app.store.db import Database
from app.store.fulltext import Budget

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ID_SHAPE = re.compile(r"^[0-9a-z]{4,26}$")


def new_id() -> str:
    """16 random Crockford base32 characters (80 bits): unique without coordination, and short
    prefixes of it are unique in practice, so people can type 6-8 characters of an id."""
    value = secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * n)) & 31] for n in range(16))


@dataclass(frozen=True)
class FtsHit:
    memory: Memory
    score: float
    snippet: str


class MemoryRepository:
    """Reads and writes memories. All writes go through `Database.write()`."""

    def __init__(self, database: Database, vault_cipher: FieldCipher) -> None:
        self.db = database
        self._vault = vault_cipher
        self._fulltext = Budget()  # what `search_fts` may cost, in documents scored

    # -- ids ----------------------------------------------------------------------------------
    def resolve(self, ident: str) -> str:
        """A full id from an id or a unique prefix of one (at least 4 characters)."""
        ident = ident.strip().lower()
        if not _ID_SHAPE.match(ident):
            raise InvalidInput(f"{ident!r} is not a memory id.")
        if len(ident) >= 16:
            if self.db.scalar("SELECT 1 FROM memories WHERE id = ?", (ident,)):
                return ident
            raise NotFound(f"No memory has the id {ident}.")
        rows = self.db.query(
            "SELECT id FROM memories WHERE id >= ? AND id < ? ORDER BY id LIMIT 3",
            (ident, ident + "~"),
        )
        if not rows:
            raise NotFound(f"No memory id starts with {ident}.")
        if len(rows) > 1:
            raise AmbiguousId(f"Several memories start with {ident}; give more characters.")
        return str(rows[0]["id"])

    # -- reading ------------------------------------------------------------------------------
    def _sources_for(self, ids: Sequence[str]) -> dict[str, tuple[Source, ...]]:
        found: dict[str, builtins.list[Source]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(
                f"SELECT memory_id, kind, ref FROM memory_sources WHERE memory_id IN ({marks}) "
                "ORDER BY added_at, kind, ref",
                chunk,
            ):
                found[row["memory_id"]].append(Source(row["kind"], row["ref"]))
        return {i: tuple(s) for i, s in found.items()}

    def _to_memories(self, rows: builtins.list[dict[str, Any]]) -> builtins.list[Memory]:
        sources = self._sources_for([r["id"] for r in rows])
        return [self._to_memory(row, sources.get(row["id"], ())) for row in rows]

    @staticmethod
    def _to_memory(row: dict[str, Any], sources: tuple[Source, ...]) -> Memory:
        memory_type = MemoryType(row["type"])
        fields = json.loads(row["data"])
        return Memory(
            id=row["id"],
            type=memory_type,
            fields=fields,
            text=row["text"],
            occurred_at=from_iso(row["occurred_at"]),
            created_at=from_iso(row["created_at"]),
            updated_at=from_iso(row["updated_at"]),
            version=row["version"],
            origin=row["origin"],
            importance=row["importance"],
            sources=sources,
            valid_to=from_iso(row["valid_to"]) if row["valid_to"] else None,
            invalid_reason=row["invalid_reason"],
            title=kind_of(memory_type).title(fields),
        )

    _COLUMNS = (
        "id, type, data, text, occurred_at, created_at, updated_at, valid_to, invalid_reason, "
        "version, importance, origin"
    )

    def get(self, ident: str) -> Memory:
        memory_id = self.resolve(ident)
        rows = self.db.query(f"SELECT {self._COLUMNS} FROM memories WHERE id = ?", (memory_id,))
        return self._to_memories(rows)[0]

    def get_many(self, ids: Sequence[str]) -> builtins.list[Memory]:
        """Memories by full id, in the order asked; unknown ids are skipped."""
        rows: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(
                f"SELECT {self._COLUMNS} FROM memories WHERE id IN ({marks})", chunk
            ):
                rows[row["id"]] = row
        ordered = [rows[i] for i in ids if i in rows]
        return self._to_memories(ordered)

    def list(
        self,
        memory_type: MemoryType | None = None,
        *,
        include_invalid: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        newest_first: bool = True,
    ) -> builtins.list[Memory]:
        where, params = self._filters(
            [memory_type] if memory_type else None, since, until, include_invalid, prefix=""
        )
        order = "DESC" if newest_first else "ASC"
        rows = self.db.query(
            f"SELECT {self._COLUMNS} FROM memories {where} "
            f"ORDER BY occurred_at {order}, id {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return self._to_memories(rows)

    @staticmethod
    def _filters(
        types: Iterable[MemoryType] | None,
        since: datetime | None,
        until: datetime | None,
        include_invalid: bool,
        prefix: str = "m.",
    ) -> tuple[str, builtins.list[Any]]:
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        if types:
            names = [MemoryType(t).value for t in types]
            clauses.append(f"{prefix}type IN ({','.join('?' * len(names))})")
            params.extend(names)
        if since is not None:
            clauses.append(f"{prefix}occurred_at >= ?")
            params.append(to_iso(since))
        if until is not None:
            clauses.append(f"{prefix}occurred_at < ?")
            params.append(to_iso(until))
        if not include_invalid:
            clauses.append(f"{prefix}valid_to IS NULL")
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def core_block(self, label: str) -> Memory | None:
        rows = self.db.query(
            f"SELECT {self._COLUMNS} FROM memories WHERE type = 'core' AND valid_to IS NULL "
            "AND json_extract(data, '$.label') = ? ORDER BY id LIMIT 1",
            (label,),
        )
        return self._to_memories(rows)[0] if rows else None

    def find_by_source(self, kind: str, ref: str) -> builtins.list[str]:
        rows = self.db.query(
            "SELECT memory_id FROM memory_sources WHERE kind = ? AND ref = ? ORDER BY memory_id",
            (kind, ref),
        )
        return [r["memory_id"] for r in rows]

    def seal(self, text: str, memory_id: str) -> bytes:
        return self._vault.encrypt_text(text, memory_id)

    def unseal(self, blob: bytes, memory_id: str) -> str:
        return self._vault.decrypt_text(blob, memory_id)

    def secret(self, memory_id: str) -> str:
        blob = self.db.scalar("SELECT secret FROM memories WHERE id = ?", (memory_id,))
        if blob is None:
            raise NotFound(f"The memory {memory_id} holds no secret.")
        return self._vault.decrypt_text(blob, memory_id)

    # -- writing ------------------------------------------------------------------------------
    def _snapshot(
        self,
        memory_id: str,
        fields: dict[str, Any],
        secret_blob: bytes | None,
        valid_to: str | None,
        sources: Iterable[Source],
        via: Sequence[Source] = (),
    ) -> dict[str, Any]:
        """What an audit row records. A vault secret stays sealed inside it. `via`: the sources
        this change came from (even ones the memory had already), so that what a forgotten
        source brought, such as a line appended to a core block, can be taken out again."""
        snap: dict[str, Any] = {
            "fields": fields,
            "valid_to": valid_to,
            "sources": [s.to_dict() for s in sources],
        }
        if via:
            snap["via"] = [s.to_dict() for s in dict.fromkeys(via)]
        if secret_blob is not None:
            snap["sealed_secret"] = base64.b64encode(secret_blob).decode()
        return snap

    def insert(
        self,
        memory_type: MemoryType,
        fields: dict[str, Any],
        *,
        sources: Sequence[Source],
        origin: str,
        actor: str,
        occurred_at: datetime | None = None,
        importance: float = 0.5,
        reason: str | None = None,
        memory_id: str | None = None,
    ) -> Memory:
        kind = kind_of(memory_type)
        memory_id = memory_id or new_id()
        public, secret = kind.secret(fields)
        blob = self._vault.encrypt_text(secret, memory_id) if secret is not None else None
        now = to_iso(utcnow())
        moment = kind.occurred_at(fields) or occurred_at
        row = {
            "id": memory_id,
            "type": memory_type.value,
            "data": json.dumps(public, ensure_ascii=False),
            "text": kind.render(fields),
            "secret": blob,
            "occurred_at": to_iso(moment) if moment else now,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "importance": float(importance),
            "origin": origin,
        }
        with self.db.write() as db:
            db.conn.execute(
                f"INSERT INTO memories ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            self._add_sources(db, memory_id, sources, now)
            self._audit(
                db,
                memory_id,
                1,
                "add",
                actor,
                reason,
                None,
                self._snapshot(memory_id, public, blob, None, sources),
                now,
            )
        return self.get(memory_id)

    @staticmethod
    def _add_sources(db: Any, memory_id: str, sources: Iterable[Source], now: str) -> None:
        db.conn.executemany(
            "INSERT OR IGNORE INTO memory_sources (memory_id, kind, ref, added_at) "
            "VALUES (?, ?, ?, ?)",
            [(memory_id, s.kind, s.ref, now) for s in sources],
        )

    @staticmethod
    def _audit(
        db: Any,
        memory_id: str,
        version: int,
        action: str,
        actor: str,
        reason: str | None,
        old: Any,
        new: Any,
        at: str,
    ) -> None:
        db.conn.execute(
            "INSERT INTO memory_history (memory_id, version, action, actor, reason, old, new, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                memory_id,
                version,
                action,
                actor,
                reason,
                json.dumps(old, ensure_ascii=False) if old is not None else None,
                json.dumps(new, ensure_ascii=False) if new is not None else None,
                at,
            ),
        )

    def _current(self, db: Any, memory_id: str) -> dict[str, Any]:
        row = db.conn.execute(
            "SELECT type, data, secret, valid_to, version FROM memories WHERE id = ?",
            (memory_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"No memory has the id {memory_id}.")
        return {
            "type": row[0],
            "data": json.loads(row[1]),
            "secret": row[2],
            "valid_to": row[3],
            "version": row[4],
        }

    def update(
        self,
        memory_id: str,
        fields: dict[str, Any],
        *,
        actor: str,
        reason: str | None = None,
        add_sources: Sequence[Source] = (),
        remove_sources: Sequence[Source] = (),
        occurred_at: datetime | None = None,
        importance: float | None = None,
    ) -> Memory:
        """Replace the fields with `fields` (already merged and validated by the caller);
        `remove_sources` detaches sources the person says are wrong (one must stay)."""
        kind = None
        with self.db.write() as db:
            cur = self._current(db, memory_id)
            kind = kind_of(cur["type"])
            old_sources = self._sources_for([memory_id])[memory_id]
            public, secret = kind.secret(fields)
            blob = (
                self._vault.encrypt_text(secret, memory_id) if secret is not None else cur["secret"]
            )
            now = to_iso(utcnow())
            version = cur["version"] + 1
            moment = kind.occurred_at(fields) or occurred_at
            sets = {
                "data": json.dumps(public, ensure_ascii=False),
                "text": kind.render(fields),
                "secret": blob,
                "updated_at": now,
                "version": version,
            }
            if moment is not None:
                sets["occurred_at"] = to_iso(moment)
            if importance is not None:
                sets["importance"] = float(importance)
            db.conn.execute(
                f"UPDATE memories SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                [*sets.values(), memory_id],
            )
            self._add_sources(db, memory_id, add_sources, now)
            gone = set(remove_sources)
            new_sources = [s for s in dict.fromkeys([*old_sources, *add_sources]) if s not in gone]
            if gone and not new_sources:
                raise InvalidInput("A memory keeps at least one source; forget it instead.")
            for source in gone:
                db.conn.execute(
                    "DELETE FROM memory_sources WHERE memory_id = ? AND kind = ? AND ref = ?",
                    (memory_id, source.kind, source.ref),
                )
            self._audit(
                db,
                memory_id,
                version,
                "update",
                actor,
                reason,
                self._snapshot(memory_id, cur["data"], cur["secret"], cur["valid_to"], old_sources),
                self._snapshot(memory_id, public, blob, cur["valid_to"], new_sources, add_sources),
                now,
            )
        return self.get(memory_id)

    def set_validity(
        self, memory_id: str, *, valid: bool, actor: str, reason: str | None
    ) -> Memory:
        """Invalidate (keep the record, mark it no longer true) or restore it."""
        with self.db.write() as db:
            cur = self._current(db, memory_id)
            if valid == (cur["valid_to"] is None):
                state = "valid" if valid else "already invalidated"
                raise InvalidInput(f"The memory {memory_id} is {state}.")
            now = to_iso(utcnow())
            valid_to = None if valid else now
            version = cur["version"] + 1
            db.conn.execute(
                "UPDATE memories SET valid_to = ?, invalid_reason = ?, updated_at = ?, "
                "version = ? WHERE id = ?",
                (valid_to, None if valid else reason, now, version, memory_id),
            )
            sources = self._sources_for([memory_id])[memory_id]
            self._audit(
                db,
                memory_id,
                version,
                "restore" if valid else "invalidate",
                actor,
                reason,
                self._snapshot(memory_id, cur["data"], cur["secret"], cur["valid_to"], sources),
                self._snapshot(memory_id, cur["data"], cur["secret"], valid_to, sources),
                now,
            )
        return self.get(memory_id)

    def forget(self, memory_ids: Sequence[str]) -> int:
        """Purge exactly these, for good; what came from them is `app.store.forgetting`'s."""
        if not memory_ids:
            return 0
        with self.db.write() as db:
            count = self.purge(db, memory_ids)
        self.db.checkpoint()
        return count

    @staticmethod
    def purge(db: Any, memory_ids: Sequence[str]) -> int:
        """Delete rows in the caller's transaction: sources, history, threads and capture rows
        follow by foreign key, full-text entries by trigger; pages are zeroed."""
        count = 0
        ids = list(memory_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            count += db.conn.execute(f"DELETE FROM memories WHERE id IN ({marks})", chunk).rowcount
        if count:
            # Rewrite the full-text index so the deleted terms leave its segments too (and the
            # old text of memories this transaction changed, and their neighbours' context).
            db.conn.execute("INSERT INTO search_docs (search_docs) VALUES ('optimize')")
        return count

    def history(self, memory_id: str) -> builtins.list[HistoryEntry]:
        rows = self.db.query(
            "SELECT memory_id, version, action, actor, reason, old, new, at FROM memory_history "
            "WHERE memory_id = ? ORDER BY id",
            (memory_id,),
        )
        return [
            HistoryEntry(
                memory_id=r["memory_id"],
                version=r["version"],
                action=r["action"],
                actor=r["actor"],
                reason=r["reason"],
                old=_public_snapshot(r["old"]),
                new=_public_snapshot(r["new"]),
                at=from_iso(r["at"]),
            )
            for r in rows
        ]

    # -- full-text search ---------------------------------------------------------------------
    def search_fts(
        self,
        query: str,
        *,
        types: Sequence[MemoryType] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_invalid: bool = False,
        limit: int = 10,
    ) -> builtins.list[FtsHit]:
        """BM25 over the memories' own text (not a chat message's context), best first: what
        the agents and autofill ask when they look for memories saying the same thing. Like
        search, the words are scored rarest first within a budget of documents, so a long text
        as the query costs milliseconds in a big store."""
        where, params = self._filters(types, since, until, include_invalid)
        where = where.replace("WHERE", "AND", 1) if where else ""
        with self.db.reading() as db:
            plan = self._fulltext.plan(db.conn, query)
            if plan is None:
                return []
            rows = db.conn.execute(
                # `own` is the memory's text; `ctx` (the messages before a chat message) neither
                # matches nor scores here.
                "SELECT m.id, bm25(search_docs, 1.0, 0.0) AS rank, "
                "snippet(search_docs, 0, '[', ']', '…', 16) AS snip "
                # CROSS JOIN keeps the full-text match as the outer loop: with a type or time
                # filter SQLite would otherwise walk the memories index and re-run MATCH per row.
                "FROM search_docs CROSS JOIN memories m ON m.seq = search_docs.rowid "
                f"WHERE search_docs MATCH ?{plan.newest} {where} ORDER BY rank LIMIT ?",
                [plan.match("own"), *params, limit],
            ).fetchall()
        memories = {m.id: m for m in self.get_many([r[0] for r in rows])}
        return [FtsHit(memories[i], -float(rank), snip) for i, rank, snip in rows if i in memories]

    # -- numbers ------------------------------------------------------------------------------
    def counts(self) -> dict[str, Any]:
        by_type = {
            r["type"]: r["n"]
            for r in self.db.query(
                "SELECT type, count(*) AS n FROM memories WHERE valid_to IS NULL GROUP BY type"
            )
        }
        span = self.db.query("SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM memories")[
            0
        ]
        return {
            "by_type": {t.value: by_type.get(t.value, 0) for t in MemoryType},
            "invalidated": self.db.scalar(
                "SELECT count(*) FROM memories WHERE valid_to IS NOT NULL"
            ),
            "history_rows": self.db.scalar("SELECT count(*) FROM memory_history"),
            "oldest": from_iso(span["lo"]) if span["lo"] else None,
            "newest": from_iso(span["hi"]) if span["hi"] else None,
        }


def _public_snapshot(raw: str | None) -> dict[str, Any] | None:
    """History as shown to people and programs: a sealed secret shows as masked."""
    if raw is None:
        return None
    snap: dict[str, Any] = json.loads(raw)
    if snap.pop("sealed_secret", None) is not None:
        snap["fields"] = {**snap.get("fields", {}), "secret_value": "(sealed)"}
    return snap
