"""One Markdown note per memory, in a folder per type: front matter (Obsidian's properties),
a title, the memory's text, its fields, its sources and its dates.

Memory text is escaped so that it reads as written: captured screen text or an imported chat
cannot become a heading, a link, a table or HTML in the note. Where a memory names another as
its source (a fact made from a message), the note links to that memory's note (`[[...]]`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from app.domain import Memory, MemoryType, Source, to_iso
from app.export.files import (
    ExportRequest,
    ExportResult,
    Reveal,
    finish_folder,
    memories,
    prepare_folder,
    write_text,
)
from app.paths import private_folder
from app.store.memories import MemoryRepository

_UNSAFE_NAME = re.compile(r"[^\w .,'()-]+", re.UNICODE)
# What Markdown, GFM or Obsidian would read as markup anywhere in a line (links, emphasis,
# code, HTML, tables, strikethrough, tags, math, comments, highlights), then at a line's start.
_INLINE = re.compile(r"([\\`*_\[\]<>#|~&$%=])")
_LINE_START = re.compile(r"^(\s*)([-+]|\d+[.)])", re.MULTILINE)
FOLDERS = {t: t.value.capitalize() for t in MemoryType}
INDEX = "Memloci export.md"


def note_name(memory: Memory) -> str:
    """'2024-05-01 Lunch with Ana (3f9k2m1q)': sortable, readable, unique, safe everywhere."""
    title = _UNSAFE_NAME.sub(" ", memory.title).strip(" .")
    title = " ".join(title.split())[:60].rstrip(" .") or memory.type.value
    day = memory.occurred_at.astimezone().strftime("%Y-%m-%d")
    return f"{day} {title} ({memory.id[:8]})"


def escape(text: str) -> str:
    """Text as written: Markdown and HTML characters escaped, line breaks kept."""
    escaped = _INLINE.sub(r"\\\1", text)
    escaped = _LINE_START.sub(
        lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped
    )
    return escaped.replace("\n", "  \n")


def _yaml(value: Any) -> str:
    """A YAML scalar or flow list: JSON's forms are valid YAML and quote everything safely."""
    return json.dumps(value, ensure_ascii=False)


def _front_matter(memory: Memory, sources: list[str]) -> list[str]:
    lines = [
        "---",
        f"id: {_yaml(memory.id)}",
        f"type: {_yaml(memory.type.value)}",
        f"title: {_yaml(memory.title)}",
        f"occurred: {_yaml(to_iso(memory.occurred_at))}",
        f"created: {_yaml(to_iso(memory.created_at))}",
        f"updated: {_yaml(to_iso(memory.updated_at))}",
        f"version: {memory.version}",
        f"origin: {_yaml(memory.origin)}",
        f"importance: {round(memory.importance, 4)}",
        f"sources: {_yaml(sources)}",
    ]
    if memory.valid_to is not None:
        lines.append(f"valid_to: {_yaml(to_iso(memory.valid_to))}")
        lines.append(f"invalid_reason: {_yaml(memory.invalid_reason or '')}")
    lines.append(f"tags: {_yaml(['memloci', 'memloci/' + memory.type.value])}")
    lines.append("---")
    return lines


def _field_lines(name: str, value: Any) -> list[str]:
    label = f"- **{escape(name.replace('_', ' '))}**:"
    if isinstance(value, list):
        items = [f"  {n}. {escape(str(v))}" for n, v in enumerate(value, 1)]
        return [label, *items] if items else [f"{label} (none)"]
    if isinstance(value, dict):
        return [f"{label} {escape(json.dumps(value, ensure_ascii=False))}"]
    text = str(value)
    if "\n" in text:
        indented = "\n".join("  " + line for line in escape(text).split("\n"))
        return [label, indented]
    return [f"{label} {escape(text)}"]


def _local(moment: Any) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def render(memory: Memory, names: dict[str, str], secret: str | None = None) -> str:
    """The note for one memory; `names` maps exported memory ids to their note names."""
    sources = [f"{s.kind}:{s.ref}" for s in memory.sources]
    lines = _front_matter(memory, sources)
    lines += ["", f"# {escape(memory.title)}", "", escape(memory.text), "", "## Fields", ""]
    fields = dict(memory.fields)
    if memory.type is MemoryType.VAULT:
        if secret is not None:
            fields["secret_value"] = secret
        else:
            fields["secret_value"] = "(not exported: export with the passphrase to include it)"
    for name, value in fields.items():
        lines += _field_lines(name, value)
    lines += ["", "## Sources", ""]
    lines += [_source_line(s, names) for s in memory.sources] or ["- (none)"]
    lines += ["", "## Dates", ""]
    lines.append(f"- **happened**: {_local(memory.occurred_at)}")
    lines.append(f"- **recorded**: {_local(memory.created_at)}")
    lines.append(f"- **last changed**: {_local(memory.updated_at)} (version {memory.version})")
    if memory.valid_to is not None:
        reason = escape(memory.invalid_reason or "no reason given")
        lines.append(f"- **no longer true since**: {_local(memory.valid_to)} ({reason})")
    return "\n".join(lines) + "\n"


def _source_line(source: Source, names: dict[str, str]) -> str:
    linked = names.get(source.ref)
    if linked is not None:
        return f"- {escape(source.kind)}: [[{linked}]]"
    return f"- {escape(source.kind)}: {escape(source.ref)}"


def _index(result: ExportResult, written: Iterable[str]) -> str:
    lines = ["# Memloci export", "", f"{result.memories:,} memories.", ""]
    for memory_type in MemoryType:
        count = result.by_type.get(memory_type.value, 0)
        if count:
            lines.append(f"- {FOLDERS[memory_type]}: {count:,}")
    return "\n".join(lines) + "\n"


def write_notes(
    repo: MemoryRepository, request: ExportRequest, reveal: Reveal | None
) -> ExportResult:
    folder = request.path
    prepare_folder(folder)
    names = {m.id: note_name(m) for m in memories(repo, request)}
    result = ExportResult(str(folder), "markdown", secrets=reveal is not None)
    written: list[str] = []
    made: set[str] = set()
    for memory in memories(repo, request):
        if memory.id not in names:
            continue  # added while exporting
        sub = FOLDERS[memory.type]
        if sub not in made:
            private_folder(folder / sub)
            made.add(sub)
        secret = None
        if memory.type is MemoryType.VAULT and reveal is not None:
            secret = reveal(memory.id)
        relative = f"{sub}/{names[memory.id]}.md"
        write_text(folder / relative, render(memory, names, secret))
        written.append(relative)
        result.count(memory)
    write_text(folder / INDEX, _index(result, written))
    written.append(INDEX)
    result.files = len(written)
    finish_folder(folder, written, result)
    return result
