"""An erase described for a person: what goes, counted by type and by where it came from.

`ErasePlan` wraps the forget cascade's `ForgetPlan` (the same preview `memloci forget ID`
prints) with the selection that chose the memories, counts by source ("screen · Firefox",
"chat import · <conversation>", "entered by you"), the applications whose sessions go (so the
app can offer never to capture them again), the turns of conversations with Memloci that go
with them and, once done, what happened to the vector index's files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from app.erase.selection import Selection
from app.store.forgetting import ForgetItem, ForgetPlan

_CHUNK = 400
ORIGIN_LABELS = {
    "capture": "screen",
    "import": "chat import",
    "chat": "chat with Memloci",
    "user": "entered by you",
    "agent": "made by the memory agents",
}
VECTOR_NOTES = {
    "rewritten": "the vector index files were rewritten without them",
    "clean": "the vector index files hold none of them",
    "elsewhere": "the Memloci process that owns the vector index rewrites its files next",
    "server": "their vectors were deleted from the Chroma server (its files are the server's)",
    "off": "no vector index is in use",
    "stopped": "rewriting the vector index files was interrupted; it finishes next time",
    "later": "the vector index files are rewritten in the background",
}


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])


@dataclass(frozen=True)
class SourceInfo:
    """Where the selected records came from, read before they are forgotten."""

    labels: dict[str, str] = field(default_factory=dict)  # memory id -> "screen · Firefox"
    apps: dict[str, str] = field(default_factory=dict)  # memory id -> application


def source_info(conn: Any, ids: Sequence[str]) -> SourceInfo:
    """Labels for screen sessions (their application) and imported chat messages (their
    conversation); other memories are labelled by origin alone."""
    labels: dict[str, str] = {}
    apps: dict[str, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        marks = ",".join("?" * len(chunk))
        for memory_id, app in conn.execute(
            f"SELECT memory_id, app FROM capture_sessions WHERE memory_id IN ({marks})", chunk
        ):
            apps[memory_id] = app
            labels[memory_id] = f"screen · {app or 'unknown application'}"
        for memory_id, thread in conn.execute(
            f"SELECT memory_id, thread FROM memory_threads WHERE memory_id IN ({marks})", chunk
        ):
            labels.setdefault(memory_id, f"chat import · {thread}")
    return SourceInfo(labels, apps)


def label_of(item: ForgetItem, info: SourceInfo) -> str:
    return info.labels.get(item.id) or ORIGIN_LABELS.get(item.origin, item.origin)


@dataclass(frozen=True)
class ErasePlan:
    """What an erase removes (a preview) or removed (`done`)."""

    selection: Selection
    forget: ForgetPlan
    by_source: tuple[tuple[str, int], ...]
    apps: tuple[str, ...]
    vectors: str = ""  # after an erase: a key of VECTOR_NOTES
    seconds: float = 0.0
    conversation_turns: int = 0  # turns of conversations with Memloci that go too

    @classmethod
    def build(cls, selection: Selection, plan: ForgetPlan, info: SourceInfo) -> ErasePlan:
        counts = Counter(label_of(item, info) for item in plan.purged)
        apps = sorted({info.apps[i.id] for i in plan.purged if info.apps.get(i.id)})
        ordered = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return cls(selection, plan, ordered, tuple(apps))

    @property
    def done(self) -> bool:
        return self.forget.done

    @property
    def count(self) -> int:
        return len(self.forget.purged)

    @property
    def ids(self) -> list[str]:
        return self.forget.purged_ids

    def by_type(self) -> dict[str, int]:
        return self.forget.counts_by_type()

    @property
    def vectors_note(self) -> str:
        """What happened to the vector index's files, for a person."""
        return VECTOR_NOTES.get(self.vectors, self.vectors)

    def with_outcome(self, vectors: str, seconds: float) -> ErasePlan:
        return replace(self, vectors=vectors, seconds=seconds)

    def to_dict(self) -> dict[str, Any]:
        data = self.forget.to_dict()
        data.update(
            selection=self.selection.to_dict(),
            by_source=dict(self.by_source),
            apps=list(self.apps),
            conversation_turns=self.conversation_turns,
        )
        if self.done:
            data.update(vectors=self.vectors, seconds=round(self.seconds, 3))
        return data
