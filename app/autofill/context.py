"""'Context for this prompt': a compact, cited block of the memories relevant to a text, ready
to paste into any AI chat, with secrets left out.

Vault entries are never included, a vault secret that also appears verbatim in another memory
is masked, and secret-shaped strings are redacted by the one redactor (`app.security.redact`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from app.autofill.fields import normalise
from app.domain import Memory, MemoryType, SearchHit, to_iso
from app.security.redact import redact_known
from app.store.memories import MemoryRepository

Search = Callable[[str, int], list[SearchHit]]  # query, limit -> hits, best first

HEADER = "Context from my personal memory (Memloci, kept on my machine); cited as [n]:"
LINE_LIMIT = 280


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the vault's own secrets (where they also appear verbatim) and every
    secret-shaped string (cards, IBANs, keys, tokens, 'password: ...') replaced."""
    return redact_known(text, secrets)


@dataclass(frozen=True)
class ContextItem:
    number: int
    memory: Memory
    line: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.number,
            "memory_id": self.memory.id,
            "type": self.memory.type.value,
            "title": self.memory.title,
            "text": self.line,
            "score": round(self.score, 6),
            "occurred_at": to_iso(self.memory.occurred_at),
            "sources": [s.to_dict() for s in self.memory.sources],
        }


@dataclass(frozen=True)
class PromptContext:
    query: str
    text: str  # the block to paste ("" when nothing relevant was found)
    items: tuple[ContextItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "text": self.text, "items": [i.to_dict() for i in self.items]}


def _clip(text: str, limit: int = LINE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def summary_line(memory: Memory, query_words: set[str]) -> str:
    """One compact line for a memory: its gist, not its whole text."""
    f = memory.fields
    when = memory.occurred_at.astimezone().strftime("%Y-%m-%d")
    if memory.type is MemoryType.CORE:
        lines = [ln.strip() for ln in str(f.get("value", "")).splitlines() if ln.strip()]
        relevant = [ln for ln in lines if query_words & set(normalise(ln).split())]
        return _clip("About me: " + "; ".join(relevant or lines[:3]))
    if memory.type is MemoryType.EPISODIC:
        return _clip(f"{when}: {f.get('summary', '')}")
    if memory.type is MemoryType.SEMANTIC:
        return _clip(f"{f.get('name', '')}: {f.get('summary', '')}")
    if memory.type is MemoryType.PROCEDURAL:
        steps = "; ".join(f.get("steps", [])[:6])
        return _clip(f"How to {f.get('summary', '')}: {steps}" if steps else f.get("summary", ""))
    if memory.type is MemoryType.RESOURCE:
        return _clip(f"{f.get('title', '')}: {f.get('summary') or f.get('content', '')}")
    return ""


def build(
    search: Search,
    repo: MemoryRepository,
    text: str,
    max_chars: int,
    secrets: Iterable[str],
) -> PromptContext:
    """Search the memories for `text` and pack the best into `max_chars` characters."""
    query = " ".join(text.split())[:2_000]
    # No type filter: with one, search costs ~100x more (SQLite's plan); vault hits are skipped
    # below instead.
    hits = search(query, 30)
    memories = {m.id: m for m in repo.get_many([h.id for h in hits])}
    words = set(normalise(query).split())
    secret_list = list(secrets)
    items: list[ContextItem] = []
    used = len(HEADER)
    seen_lines: set[str] = set()
    for hit in hits:
        memory = memories.get(hit.id)
        if memory is None or memory.type is MemoryType.VAULT:
            continue
        line = redact(summary_line(memory, words), secret_list)
        if not line.strip(" :") or line in seen_lines:
            continue
        number = len(items) + 1
        cite = f"[{number}] {line} (memloci:{memory.id[:8]})"
        if used + 1 + len(cite) > max_chars:
            break
        used += 1 + len(cite)
        seen_lines.add(line)
        items.append(ContextItem(number, memory, line, hit.score))
    if not items:
        return PromptContext(query, "", ())
    body = "\n".join(f"[{i.number}] {i.line} (memloci:{i.memory.id[:8]})" for i in items)
    return PromptContext(query, f"{HEADER}\n{body}", tuple(items))
