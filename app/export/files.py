"""What the export formats share: the request, the result, the reading loop, private files and
the folder manifest (`app.export`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.domain import Memory, MemoryType, to_iso
from app.errors import InvalidInput
from app.paths import create_private, private_folder
from app.store.memories import MemoryRepository

FORMATS = ("markdown", "json", "csv")
MANIFEST = ".memloci-export.json"
PAGE = 500

Reveal = Callable[[str], str]  # memory id -> vault secret, when the person asked for secrets


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    format: str
    types: tuple[MemoryType, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class ExportResult:
    path: str
    format: str
    memories: int = 0
    files: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    secrets: bool = False

    def count(self, memory: Memory) -> None:
        self.memories += 1
        self.by_type[memory.type.value] = self.by_type.get(memory.type.value, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "memories": self.memories,
            "files": self.files,
            "by_type": self.by_type,
            "secrets": self.secrets,
        }


def memories(repo: MemoryRepository, request: ExportRequest) -> Iterator[Memory]:
    """Every memory the request covers (invalidated ones too), oldest first, page by page."""
    clauses: list[str] = []
    params: list[Any] = []
    if request.types:
        clauses.append(f"type IN ({','.join('?' * len(request.types))})")
        params.extend(t.value for t in request.types)
    if request.since is not None:
        clauses.append("occurred_at >= ?")
        params.append(to_iso(request.since))
    if request.until is not None:
        clauses.append("occurred_at < ?")
        params.append(to_iso(request.until))
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    ids = [
        row[0]
        for row in repo.db.conn().execute(
            f"SELECT id FROM memories {where} ORDER BY occurred_at, id", params
        )
    ]
    for start in range(0, len(ids), PAGE):
        yield from repo.get_many(ids[start : start + PAGE])


def write_text(path: Path, text: str) -> None:
    """A new private file (0600), never through a symlink."""
    fd = create_private(path)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def prepare_folder(folder: Path) -> None:
    """An empty or new folder, or one a previous export made: its files are removed (only
    those its manifest lists), so nothing erased since stays behind."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file; give a folder to export into.")
    if not folder.exists():
        private_folder(folder)
        return
    manifest = folder / MANIFEST
    entries = [p for p in folder.iterdir() if p.name != MANIFEST]
    if not manifest.exists():
        if entries:
            raise InvalidInput(
                f"{folder} is not empty and holds no earlier Memloci export; choose an empty "
                "or new folder (for an Obsidian vault, a folder inside it)."
            )
        return
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        raise InvalidInput(f"{manifest} is damaged; export into an empty folder.") from None
    root = folder.resolve()
    for name in listed:
        target = (folder / str(name)).resolve()
        if root in target.parents and target.is_file():
            target.unlink()
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()
    manifest.unlink()


def finish_folder(folder: Path, written: Sequence[str], result: ExportResult) -> None:
    body = {"format": result.format, "memories": result.memories, "files": sorted(written)}
    write_text(folder / MANIFEST, json.dumps(body, indent=1) + "\n")
