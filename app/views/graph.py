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


# The kind an entity record states (the reader's), as the picture's categories.
_KIND_CATEGORY = {"person": "person", "pet": "person", "place": "place", "organisation": "project"}
_RELATION = re.compile(r"^(?P<owner>.+?)'s (?P<relation>[^;]+)$")


def _category(group: list[Memory], key: str) -> str:
    for memory in group:
        kind = memory.fields.get("kind")
        if kind:
            return _KIND_CATEGORY.get(str(kind), "concept")
    return guess_category(key, " ".join(str(m.fields.get("summary", "")) for m in group))


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
    label: str = ""
    """How b is related to a, when a record says so ("sister", "manager", "dog")."""


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
            category=_category(group, key),
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
    labels = _relations(repo, nodes, edges, position)
    return EntityGraph(
        nodes=nodes,
        edges=[
            GraphEdge(a, b, len(shared), sorted(shared)[:200], labels.get((a, b), ""))
            for (a, b), shared in sorted(edges.items())
        ],
        truncated=truncated,
    )


def _names(nodes: list[GraphNode], records: dict[str, Memory]) -> dict[str, str]:
    """Every name a node's records answer to -> its key: the name, the aliases the record
    keeps ("Bea", "Beatrix Nowak"), and a person's first name when no one else has it."""
    called: dict[str, str] = {}
    first: dict[str, set[str]] = defaultdict(set)
    for node in nodes:
        for memory_id in node.memory_ids:
            fields = records[memory_id].fields
            for alias in [node.label, *(fields.get("aliases") or [])]:
                name = " ".join(str(alias).split()).casefold()
                if name:
                    called.setdefault(name, node.key)
                    if fields.get("kind") == "person" and " " in name:
                        first[name.split()[0]].add(node.key)
    for name, keys in first.items():
        if len(keys) == 1:
            called.setdefault(name, next(iter(keys)))
    for node in nodes:
        called[node.key] = node.key  # a node's own name is never taken by another's alias
    return called


def _relations(
    repo: MemoryRepository,
    nodes: list[GraphNode],
    edges: dict[tuple[str, str], set[str]],
    position: dict[str, int],
) -> dict[tuple[str, str], str]:
    """Edges a record's relation states ("Tomasz's sister", "Karol's son"); the person
    themselves (the core `human` block's Name) becomes a node when a relation names them."""
    by_key = {n.key: n for n in nodes}
    labels: dict[tuple[str, str], str] = {}
    block = repo.core_block("human")
    me_names: set[str] = set()
    if block is not None:
        for line in str(block.fields.get("value", "")).splitlines():
            head, _, value = line.partition(":")
            if head.strip().lower() in ("name", "nickname") and value.strip():
                full = " ".join(value.split())
                me_names |= {full.casefold(), full.split()[0].casefold()}
    records = {mid: repo.get(mid) for node in nodes for mid in node.memory_ids}
    called = _names(nodes, records)
    for node in list(nodes):
        for memory_id in node.memory_ids:
            memory = records[memory_id]
            m = _RELATION.match(str(memory.fields.get("relation") or ""))
            if m is None:
                continue
            owner = " ".join(m.group("owner").split()).casefold()
            owner = called.get(owner, owner)  # "Bea's husband": Bea is Beatrix's record
            if owner not in by_key and block is not None and owner in me_names | {"the user"}:
                me = GraphNode(owner, m.group("owner"), "person", [block.id])
                nodes.append(me)
                by_key[owner] = me
                position[owner] = len(position)
            if owner not in by_key or owner == node.key:
                continue
            pair = (owner, node.key) if position[owner] < position[node.key] else (node.key, owner)
            edges[pair] |= {memory_id}
            labels[pair] = m.group("relation").strip()
            break
    return labels
