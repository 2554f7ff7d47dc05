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

from app.errors import InvalidInput
from app.export.files import FORMATS, ExportRequest, ExportResult, Reveal
from app.export.markdown import write_notes
from app.export.tables import write_csv, write_jsonl
from app.store.memories import MemoryRepository

__all__ = ["FORMATS", "ExportRequest", "ExportResult", "Reveal", "export"]


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
        return write_notes(repo, request, reveal)
    if request.format == "json":
        return write_jsonl(repo, request, reveal)
    return write_csv(repo, request, reveal)
