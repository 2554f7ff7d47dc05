"""The six memory types. `kind_of(type)` gives the behaviour of one."""

from __future__ import annotations

from app.domain import MemoryType
from app.memory.base import MemoryKind
from app.memory.core import CoreKind
from app.memory.episodic import EpisodicKind
from app.memory.procedural import ProceduralKind
from app.memory.resource import ResourceKind
from app.memory.semantic import SemanticKind
from app.memory.vault import VaultKind

KINDS: dict[MemoryType, MemoryKind] = {
    kind.type: kind
    for kind in (
        CoreKind(),
        EpisodicKind(),
        SemanticKind(),
        ProceduralKind(),
        ResourceKind(),
        VaultKind(),
    )
}


def kind_of(memory_type: MemoryType | str) -> MemoryKind:
    return KINDS[MemoryType.parse(str(memory_type))]


__all__ = ["KINDS", "MemoryKind", "kind_of"]
