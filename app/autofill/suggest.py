"""Ranking suggestions for form fields from the person's memories.

For each field: the facts whose key it asks for (core, semantic, derived), the vault entries
that answer it (by key, by caption words, by the site), and, for free-text questions, the
semantic memories that search finds for its words. Vault values stay sealed here; the service
decides whether they may be disclosed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from app.autofill.cache import FactCache
from app.autofill.facts import Fact, derived
from app.autofill.fields import FieldMatch, FieldSpec, map_field, normalise
from app.domain import Memory, MemoryType
from app.settings import Settings
from app.store.memories import MemoryRepository

ADDRESS_PARTS = frozenset(
    "address-line1 address-line2 address-line3 address-level1 address-level2 address-level3 "
    "postal-code".split()
)
CREDENTIAL_KEYS = frozenset({"password", "username"})
# Fields only the vault answers: a password written elsewhere is still never handed out freely.
SECRET_KEYS = frozenset({"password", "cc-number", "cc-csc"})
_TYPE_ORDER = {MemoryType.CORE: 0, MemoryType.VAULT: 1, MemoryType.SEMANTIC: 2}
_GENERIC = frozenset("number no nr num code id my the of details".split())
_SITE_NOISE = frozenset("www com org net io co app login account accounts auth my".split())


@dataclass(frozen=True)
class PageContext:
    """Where the person is filling: a page (URL, title) or a desktop window (app, title)."""

    url: str = ""
    title: str = ""
    app: str = ""

    @property
    def host(self) -> str:
        if self.url:
            raw = self.url if "//" in self.url else "//" + self.url
            try:
                return (urlsplit(raw).hostname or "").lower()
            except ValueError:
                return ""
        match = re.search(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", self.title.lower())
        return match.group(1) if match else ""

    @property
    def site_words(self) -> frozenset[str]:
        """The distinctive words of the site ('github' for gist.github.com)."""
        parts = re.split(r"[.\-]", self.host)
        return frozenset(p for p in parts[:-1] if len(p) > 2 and p not in _SITE_NOISE)

    def describe(self) -> str:
        return self.url or " — ".join(p for p in (self.title, self.app) if p)


@dataclass(frozen=True)
class Suggestion:
    """A value for a field. `value` is None while a vault secret is still sealed."""

    memory: Memory
    key: str | None
    confidence: float
    value: str | None
    alternatives: tuple[str, ...] = ()

    @property
    def sensitivity(self) -> str:
        if self.memory.type is MemoryType.VAULT:
            return str(self.memory.fields.get("sensitivity", "medium"))
        return "none"

    @property
    def sealed(self) -> bool:
        return self.value is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "memory_id": self.memory.id,
            "memory_type": self.memory.type.value,
            "title": self.memory.title,
            "key": self.key,
            "sensitivity": self.sensitivity,
            "confidence": round(self.confidence, 3),
            "alternatives": list(self.alternatives),
        }


@dataclass(frozen=True)
class Withheld:
    """A vault value that answers a field but was not handed out, and why."""

    memory: Memory
    reason: str  # never | denied | timeout | wrong-passphrase | no-approver

    def to_dict(self) -> dict[str, Any]:
        return {
            "memory_id": self.memory.id,
            "sensitivity": self.memory.fields.get("sensitivity", "medium"),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FieldSuggestions:
    index: int
    spec: FieldSpec
    match: FieldMatch
    suggestions: tuple[Suggestion, ...]
    withheld: tuple[Withheld, ...] = field(default=())
    refused: str = ""  # "free-text": a field of no known kind, and free text is not allowed

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.index,
            "key": self.match.key,
            "via": self.match.via,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "withheld": [w.to_dict() for w in self.withheld],
            "refused": self.refused or None,
        }


def _content(words: str) -> set[str]:
    kept = {w for w in words.split() if len(w) > 1 and w not in _GENERIC}
    return kept or set(words.split())


class SuggestionEngine:
    """Ranks the person's facts (from the cache) and vault entries for every field."""

    def __init__(self, repo: MemoryRepository, settings: Callable[[], Settings]) -> None:
        self._repo = repo
        self._settings = settings
        self.cache = FactCache(repo)

    # -- candidates ---------------------------------------------------------------------------
    def _self_names(self) -> list[str]:
        return list(self._settings().agents.person_names or [])

    def candidates(self) -> tuple[list[Fact], list[tuple[Memory, frozenset[str]]]]:
        """The person's facts (human block, semantic memories about them, derived values) and
        every active vault entry (each matched to fields by its caption)."""
        facts, vault = self.cache.get(self._self_names())
        return facts + derived(facts), vault

    # -- ranking ------------------------------------------------------------------------------
    @staticmethod
    def _adjust(fact: Fact, match: FieldMatch) -> float:
        score = fact.confidence * max(match.confidence, 0.6)
        wanted = match.qualifiers & {"home", "work", "mobile"}
        if wanted:
            if fact.qualifiers & wanted:
                score += 0.05
            elif fact.qualifiers & {"home", "work", "mobile"}:
                score -= 0.15
        return score

    @staticmethod
    def _vault_score(
        own: frozenset[str], asked: set[str], match: FieldMatch, site: frozenset[str]
    ) -> float:
        """How well a vault entry (the words of its caption and type) answers a field whose
        meaningful words are `asked`."""
        on_site = bool(site & own)
        if match.key in CREDENTIAL_KEYS:
            if site and not on_site:
                return 0.0  # never offer one site's password to another
            if match.key not in own and "password" not in own and not (asked & own):
                return 0.0
            return 0.9 if on_site else 0.5
        if not asked:
            return 0.0
        overlap = len(asked & own) / len(asked)
        if overlap < 0.5:
            return 0.0
        return min(0.95, 0.5 + 0.4 * overlap + (0.05 if on_site else 0.0))

    def _search(self, match: FieldMatch, limit: int) -> list[Suggestion]:
        """Free-text questions: semantic memories sharing the question's words. Word overlap is
        required, so the full-text index answers alone (no query embedding: milliseconds)."""
        asked = _content(match.words)
        if not asked:
            return []
        # No type filter in SQL: with one, SQLite drives the join from `memories` and rescans
        # the full-text index per row (50x slower); semantic hits are picked here instead.
        hits = self._repo.search_fts(match.words, limit=limit * 10)
        semantic = [h.memory for h in hits if h.memory.type is MemoryType.SEMANTIC]
        found = []
        for rank, memory in enumerate(semantic[: limit * 3]):
            overlap = len(asked & set(normalise(memory.text).split())) / len(asked)
            value = str(memory.fields.get("summary", "")).strip()
            if overlap >= 0.5 and value:
                confidence = 0.3 + 0.3 * overlap - 0.03 * rank
                found.append(Suggestion(memory, None, confidence, value))
        return found

    def suggest(
        self,
        specs: Sequence[FieldSpec],
        page: PageContext | None = None,
        limit: int = 3,
        *,
        free_text: bool = True,
    ) -> list[FieldSuggestions]:
        """Ranked suggestions per field. Without `free_text` (a browser, on a site the person
        did not allow) a field's words are no query: a field of no known kind gets nothing, and
        a known kind only the facts and vault entries of that kind, never a search."""
        matches = [map_field(spec) for spec in specs]
        keys = {m.key for m in matches if m.key}
        # A lone "Address" field wants the whole address; next to city and postal code fields
        # it wants only the street.
        whole_address = not (keys & ADDRESS_PARTS)
        facts, vault = self.candidates() if specs else ([], [])
        site = page.site_words if page else frozenset()
        by_key: dict[str, list[Fact]] = {}
        for fact in facts:
            by_key.setdefault(fact.key, []).append(fact)
        vault_keys = {(f.memory.id, f.key) for f in facts if f.sealed}
        results = []
        for index, (spec, match) in enumerate(zip(specs, matches, strict=True)):
            found: list[Suggestion] = []
            key = match.key
            if key is None and not free_text:
                results.append(FieldSuggestions(index, spec, match, (), refused="free-text"))
                continue
            if key == "street-address" and whole_address and by_key.get("full-address"):
                key = "full-address"
            for fact in by_key.get(key or "", []):
                if fact.sealed or key in SECRET_KEYS:
                    continue
                found.append(
                    Suggestion(
                        fact.memory, match.key, self._adjust(fact, match), fact.value,
                        fact.alternatives,
                    )
                )  # fmt: skip
            asked = _content(match.words)
            for memory, words in vault:
                # Credentials are matched by site only, never by key alone.
                keyed = match.key not in CREDENTIAL_KEYS and (memory.id, match.key) in vault_keys
                score = 0.9 * match.confidence if keyed else 0.0
                if free_text or match.key in CREDENTIAL_KEYS:  # else a caption is no query
                    score = max(score, self._vault_score(words, asked, match, site))
                if score > 0:
                    found.append(Suggestion(memory, match.key, score, None))
            if not found and free_text:
                found = self._search(match, limit)
            results.append(FieldSuggestions(index, spec, match, tuple(self._rank(found, limit))))
        return results

    @staticmethod
    def _rank(found: list[Suggestion], limit: int) -> list[Suggestion]:
        found.sort(
            key=lambda s: (
                -s.confidence,
                _TYPE_ORDER.get(s.memory.type, 3),
                -s.memory.updated_at.timestamp(),
            )
        )
        seen: set[str] = set()
        ranked = []
        for suggestion in found:
            identity = (
                f"vault:{suggestion.memory.id}"
                if suggestion.sealed
                else normalise(suggestion.value or "")
            )
            if identity in seen:
                continue
            seen.add(identity)
            ranked.append(suggestion)
        return ranked[:limit]
