"""The entity graph: semantic memories as nodes, linked where the memory mentions them together.

A node is one named entity (semantic memories sharing a name fold into one). Two entities link
when some memory mentions both names (an episodic event, a chat message, another entity's text)
or when their semantic memories came from the same source. Mentions are found with the
full-text index, one phrase query per entity, so the cost grows with entities, not memories.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from app.domain import Memory, MemoryType
from app.store.db import Database
from app.store.memories import MemoryRepository

_WORD = re.compile(r"\w+", re.UNICODE)
_TOO_COMMON = frozenset(
    """i me my you we he she it they this that the a an and or of to in on at home work
    today tomorrow yesterday user note notes""".split()
)

# A light guess so the picture can colour people, places and projects differently.
_HINTS: dict[str, tuple[str, ...]] = {
    "person": (
        "sister",
        "brother",
        "mother",
        "father",
        "mom",
        "dad",
        "wife",
        "husband",
        "partner",
        "friend",
        "colleague",
        "boss",
        "manager",
        "son",
        "daughter",
        "cousin",
        "aunt",
        "uncle",
        "neighbour",
        "neighbor",
        "doctor",
        "teacher",
        "he ",
        "she ",
        "his ",
        "her ",
        "who ",
    ),
    "place": (
        "city",
        "town",
        "village",
        "country",
        "street",
        "restaurant",
        "cafe",
        "café",
        "bar",
        "office",
        "airport",
        "station",
        "park",
        "museum",
        "hotel",
        "lives in",
        "located",
        "beach",
        "shop",
        "store",
        "gym",
        "school",
        "university",
    ),
    "project": (
        "project",
        "repository",
        "repo",
        "app",
        "product",
        "release",
        "deadline",
        "sprint",
        "codebase",
        "library",
        "service",
        "website",
        "launch",
        "feature",
    ),
}
CATEGORIES = ("person", "place", "project", "concept")


_HINT_PATTERNS = {
    category: re.compile(r"\b(" + "|".join(re.escape(h.strip()) for h in hints) + r")\b")
    for category, hints in _HINTS.items()
}


def guess_category(name: str, summary: str) -> str:
    text = summary.lower()
    scores = {c: len(pattern.findall(text)) for c, pattern in _HINT_PATTERNS.items()}
    best = max(scores, key=lambda c: scores[c])
    return best if scores[best] else "concept"


@dataclass
class GraphNode:
    key: str
    label: str
    category: str
    memory_ids: list[str]
    """The semantic memories that define this entity."""
    mention_ids: list[str] = field(default_factory=list)
    """Other memories whose text names the entity (capped)."""

    @property
    def weight(self) -> int:
        return len(self.memory_ids) + len(self.mention_ids)


@dataclass
class GraphEdge:
    a: str
    b: str
    weight: int
    memory_ids: list[str]
    """The memories that link the two (mention both, or share a source)."""


@dataclass
class EntityGraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = False

    def node(self, key: str) -> GraphNode | None:
        return next((n for n in self.nodes if n.key == key), None)


def _phrase(name: str) -> str | None:
    words = [w.lower() for w in _WORD.findall(name)]
    if not words or all(w in _TOO_COMMON or len(w) < 2 for w in words):
        return None
    return '"' + " ".join(words).replace('"', "") + '"'


def _entities(repo: MemoryRepository, max_nodes: int) -> tuple[list[GraphNode], bool]:
    memories: list[Memory] = []
    offset = 0
    while True:
        batch = repo.list(MemoryType.SEMANTIC, limit=500, offset=offset)
        memories.extend(batch)
        offset += len(batch)
        if len(batch) < 500 or offset >= 20_000:
            break
    grouped: dict[str, list[Memory]] = defaultdict(list)
    for memory in memories:
        name = " ".join(str(memory.fields.get("name", "")).split())
        if name:
            grouped[name.casefold()].append(memory)
    ranked = sorted(
        grouped.items(),
        key=lambda item: (-sum(m.importance for m in item[1]), -len(item[1]), item[0]),
    )
    nodes = [
        GraphNode(
            key=key,
            label=str(group[0].fields["name"]),
            category=guess_category(key, " ".join(str(m.fields.get("summary", "")) for m in group)),
            memory_ids=[m.id for m in group],
        )
        for key, group in ranked[:max_nodes]
    ]
    return nodes, len(ranked) > max_nodes


def entity_graph(
    database: Database,
    repo: MemoryRepository,
    *,
    max_nodes: int = 150,
    mentions_per_node: int = 400,
) -> EntityGraph:
    """Build the graph from the store. Cost: one full-text query per entity."""
    nodes, truncated = _entities(repo, max_nodes)
    mentions: dict[str, set[str]] = {}
    for node in nodes:
        phrase = _phrase(node.label)
        found: set[str] = set()
        if phrase is not None:
            # A memory's own text (`own`), not the chat context it is indexed with.
            rows = database.query(
                "SELECT m.id AS id FROM search_docs JOIN memories m ON m.seq = search_docs.rowid "
                "WHERE search_docs MATCH ? AND m.valid_to IS NULL LIMIT ?",
                (f"own : {phrase}", mentions_per_node),
            )
            found = {r["id"] for r in rows}
        own = set(node.memory_ids)
        node.mention_ids = sorted(found - own)
        mentions[node.key] = found | own

    # Semantic memories that came from the same source are linked too.
    by_source: dict[tuple[str, str], set[str]] = defaultdict(set)
    owner = {mid: node.key for node in nodes for mid in node.memory_ids}
    ids = list(owner)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = database.query(
            "SELECT memory_id, kind, ref FROM memory_sources WHERE kind != 'user' "
            f"AND memory_id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            by_source[(row["kind"], row["ref"])].add(row["memory_id"])

    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    keys = [n.key for n in nodes]
    position = {key: n for n, key in enumerate(keys)}
    for a, b in combinations(keys, 2):
        shared = mentions[a] & mentions[b]
        if shared:
            edges[(a, b)] |= shared
    for members in by_source.values():
        entity_keys = sorted({owner[m] for m in members})
        for a, b in combinations(entity_keys, 2):
            pair = (a, b) if position[a] < position[b] else (b, a)
            edges[pair] |= members
    return EntityGraph(
        nodes=nodes,
        edges=[
            GraphEdge(a, b, len(shared), sorted(shared)[:200])
            for (a, b), shared in sorted(edges.items())
        ],
        truncated=truncated,
    )
