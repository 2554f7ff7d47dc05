"""JSON Lines (the full records, with their history) and CSV (one file per type, a column per
field) exports."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

from app.domain import Memory, MemoryType
from app.errors import InvalidInput
from app.export.files import (
    ExportRequest,
    ExportResult,
    Reveal,
    finish_folder,
    memories,
    prepare_folder,
)
from app.paths import create_private, private_folder
from app.store.memories import MemoryRepository

COMMON = (
    "id",
    "title",
    "text",
    "occurred_at",
    "created_at",
    "updated_at",
    "valid_to",
    "invalid_reason",
    "version",
    "origin",
    "importance",
    "sources",
)
# Spreadsheets run cells starting with these as formulas (CSV injection): such a cell gets a
# leading apostrophe, which they show as text.
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def record(repo: MemoryRepository, memory: Memory, reveal: Reveal | None) -> dict[str, Any]:
    """The full record: fields, sources, dates, validity and history (sealed secrets never)."""
    data = memory.to_dict()
    if memory.type is MemoryType.VAULT:
        if reveal is not None:
            data["fields"] = {**data["fields"], "secret_value": reveal(memory.id)}
        else:
            data["secret_exported"] = False
    data["history"] = [entry.to_dict() for entry in repo.history(memory.id)]
    return data


def write_jsonl(
    repo: MemoryRepository, request: ExportRequest, reveal: Reveal | None
) -> ExportResult:
    path = request.path
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name for JSON Lines (.jsonl).")
    if not path.parent.exists():
        private_folder(path.parent)
    result = ExportResult(str(path), "json", files=1, secrets=reveal is not None)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = create_private(temp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for memory in memories(repo, request):
                handle.write(json.dumps(record(repo, memory, reveal), ensure_ascii=False) + "\n")
                result.count(memory)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return result


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        text = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA) else text


def _header(name: str) -> str:
    """A field's column is named after it, unless that clashes with a common column."""
    field = name.removeprefix("field:")
    if field == name:
        return name
    return f"field {field}" if field in COMMON else field


def write_csv(
    repo: MemoryRepository, request: ExportRequest, reveal: Reveal | None
) -> ExportResult:
    folder = request.path
    prepare_folder(folder)
    result = ExportResult(str(folder), "csv", secrets=reveal is not None)
    rows: dict[MemoryType, list[dict[str, Any]]] = {}
    columns: dict[MemoryType, dict[str, None]] = {}
    for memory in memories(repo, request):
        data = memory.to_dict()
        fields = dict(memory.fields)
        if memory.type is MemoryType.VAULT:
            fields["secret_value"] = reveal(memory.id) if reveal is not None else ""
        row = {name: data[name] for name in COMMON if name != "sources"}
        row["sources"] = [f"{s.kind}:{s.ref}" for s in memory.sources]
        row.update({f"field:{k}": v for k, v in fields.items()})
        rows.setdefault(memory.type, []).append(row)
        columns.setdefault(memory.type, dict.fromkeys(COMMON)).update(
            dict.fromkeys(f"field:{k}" for k in fields)
        )
        result.count(memory)
    written = []
    for memory_type, items in rows.items():
        buffer = io.StringIO()
        names = list(columns[memory_type])
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([_header(n) for n in names])
        for row in items:
            writer.writerow([cell(row.get(n)) for n in names])
        name = f"{memory_type.value}.csv"
        fd = create_private(folder / name)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            handle.write(buffer.getvalue())  # with a BOM: spreadsheets then read UTF-8
        written.append(name)
    result.files = len(written)
    finish_folder(folder, written, result)
    return result
