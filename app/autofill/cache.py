"""Facts per memory, kept between requests so a popup or a form costs milliseconds.

Each memory's facts are kept with its version; when the store changed (a newer history row,
or fewer memories after a purge, from this process or another), only memories whose version
moved are read again. Reading every semantic memory happens once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from app.autofill.facts import Fact, facts_from
from app.autofill.fields import normalise
from app.domain import Memory, MemoryType
from app.store.memories import MemoryRepository

KINDS = ("core", "semantic", "vault")  # where facts about the person live


class FactCache:
    def __init__(self, repo: MemoryRepository) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._stamp: tuple[object, ...] | None = None
        self._names: tuple[str, ...] = ()
        self._facts: dict[str, tuple[int, list[Fact]]] = {}
        self._vault: dict[str, tuple[Memory, frozenset[str]]] = {}  # entry, its caption words

    def _current_stamp(self) -> tuple[object, ...]:
        """Changes whenever a memory is added, changed, invalidated, restored or forgotten."""
        db = self.repo.db
        return (
            db.scalar("SELECT max(id) FROM memory_history"),
            db.scalar("SELECT count(*) FROM memories"),
        )

    def get(
        self, self_names: Sequence[str] = ()
    ) -> tuple[list[Fact], list[tuple[Memory, frozenset[str]]]]:
        """Every fact about the person, and every active vault entry with the words of its
        caption and type (what fields are matched against)."""
        names = tuple(self_names)
        with self._lock:
            stamp = self._current_stamp()
            if names != self._names:
                self._facts.clear()
                self._vault.clear()
                self._stamp = None
            if stamp != self._stamp:
                self._refresh(names)
                self._stamp, self._names = stamp, names
            facts = [fact for _, found in self._facts.values() for fact in found]
            return facts, list(self._vault.values())

    def _refresh(self, names: tuple[str, ...]) -> None:
        marks = ",".join("?" * len(KINDS))
        rows = self.repo.db.query(
            f"SELECT id, version FROM memories WHERE valid_to IS NULL AND type IN ({marks})",
            KINDS,
        )
        current = {row["id"]: int(row["version"]) for row in rows}
        for gone in set(self._facts) - set(current):
            del self._facts[gone]
            self._vault.pop(gone, None)
        stale = [i for i, version in current.items() if self._facts.get(i, (0,))[0] != version]
        for start in range(0, len(stale), 500):
            for memory in self.repo.get_many(stale[start : start + 500]):
                self._facts[memory.id] = (memory.version, facts_from(memory, names))
                if memory.type is MemoryType.VAULT:
                    fields = memory.fields
                    label = f"{fields.get('caption', '')} {fields.get('entry_type', '')}"
                    self._vault[memory.id] = (memory, frozenset(normalise(label).split()))
