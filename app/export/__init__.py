"""Open export: a person's memories in files other tools read (issue 20).

Three formats, one reading loop (`memories`): `markdown` (one note per memory with its fields,
sources and dates, front matter for Obsidian's properties, links between notes where one
memory names another as its source), `json` (JSON Lines: the full records with their history)
and `csv` (one file per type, a column per field, as MIRIX's spreadsheet export).

Exported files are plain text by the person's choice; they are created private (0600, folders
0700). Vault secrets are left out unless the passphrase was given again. A folder export keeps
a manifest (`.memloci-export.json`) of what it wrote: exporting into the same folder again
replaces those files, so a memory erased since is not left behind in the old export, and a
folder holding anything else is refused. The encrypted backup (`memloci export PATH`) stays
the way to move a whole store.
"""

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


def export(repo: MemoryRepository, request: ExportRequest, reveal: Reveal | None) -> ExportResult:
    """Write the export; `reveal` (given only after the passphrase was checked) puts vault
    secrets in, otherwise they are left out."""
    if request.format not in FORMATS:
        raise InvalidInput(
            f"Unknown export format {request.format!r}; use one of: markdown, json, csv."
        )
    if request.since and request.until and request.since >= request.until:
        raise InvalidInput("The start of the time range is not before its end.")
    if request.format == "markdown":
        from app.export.markdown import write_notes

        return write_notes(repo, request, reveal)
    from app.export.tables import write_csv, write_jsonl

    if request.format == "json":
        return write_jsonl(repo, request, reveal)
    return write_csv(repo, request, reveal)
