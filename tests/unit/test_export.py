"""Open export (issue 20): a Markdown note per memory that a plain Markdown parser reads,
JSON Lines with the full records, CSV per type; vault secrets only with the passphrase; an
export folder exported into again keeps nothing erased since."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from app.domain import Source
from app.erase.selection import Selection
from app.errors import InvalidInput, WrongPassphrase
from tests.conftest import PASSPHRASE
from tests.unit.erase_helpers import ago, session
from tests.unit.test_forget_cli import cli

SECRET = "CanaryExportSecret0042"


@pytest.fixture
def memories(memloci: Any) -> dict[str, Any]:
    m: dict[str, Any] = {}
    m["chat"] = memloci.add(
        "Lunch with Ana at the *harbour* (Friday)\n# not a heading\n[click](https://evil.example)"
        " <script>alert(1)</script> #tag $x$ 1. one",
        type="episodic",
        fields={"actor": "Ana", "event_type": "chat"},
        sources=[Source("chat", "c1:1")],
        actor="import",
    )
    m["fact"] = memloci.add(
        "Ana likes the harbour",
        type="semantic",
        fields={"name": "Ana"},
        sources=[Source("chat", "c1:1"), Source("agent", m["chat"].id)],
        actor="agent:semantic",
    )
    m["steps"] = memloci.add(
        "Renew the passport", type="procedural", fields={"steps": ["=cmd|calc", "go to office"]}
    )
    m["vault"] = memloci.add(
        "Gym locker", type="vault", fields={"secret_value": SECRET, "sensitivity": "low"}
    )
    m["screen"] = session(memloci, "s1", app="Firefox", start=ago(30), title="Bank")
    memloci.invalidate(m["steps"].id, "done already")
    return m


def split_note(text: str) -> tuple[dict[str, Any], str]:
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def notes(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in folder.rglob("*.md") if p.name != "Memloci export.md"}


def test_a_markdown_note_per_memory_that_a_markdown_parser_reads(
    memloci: Any, memories: dict, tmp_path: Path
) -> None:
    folder = tmp_path / "vault" / "Memloci"
    result = memloci.data.export_memories(folder, "markdown")
    assert result.memories == 5 and result.files == 6 and not result.secrets
    found = notes(folder)
    assert len(found) == 5
    assert {p.parent.name for p in found.values()} == {
        "Episodic",
        "Semantic",
        "Procedural",
        "Vault",
    }
    by_id = {}
    for path in found.values():
        meta, body = split_note(path.read_text(encoding="utf-8"))
        by_id[meta["id"]] = (path, meta, body)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path, meta, body = by_id[memories["chat"].id]
    assert meta["type"] == "episodic" and meta["sources"] == ["chat:c1:1"]
    assert meta["occurred"] and meta["created"] and meta["updated"]
    assert meta["tags"] == ["memloci", "memloci/episodic"]
    tokens = MarkdownIt("commonmark").parse(body)
    headings = [
        "".join(c.content for c in tokens[i + 1].children or [])
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
    assert headings[0].startswith("Lunch with Ana at the *harbour* (Friday) # not a heading")
    assert headings[1:] == ["Fields", "Sources", "Dates"]
    html = MarkdownIt("commonmark").render(body)
    # The memory's own text stays text: no heading, link, HTML or emphasis from it.
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://evil.example"' not in html and "<em>harbour</em>" not in html
    assert "<h1>not a heading</h1>" not in html and "# not a heading" in html
    assert "actor</strong>: Ana" in html
    # The fact links to the note of the message it was made from.
    _, _, fact_body = by_id[memories["fact"].id]
    assert f"[[{path.stem}]]" in fact_body
    # Invalidated memories say since when and why; list fields are numbered lists.
    steps_meta = by_id[memories["steps"].id][1]
    steps_body = by_id[memories["steps"].id][2]
    assert steps_meta["invalid_reason"] == "done already" and "no longer true since" in steps_body
    assert "1. \\=cmd\\|calc" in steps_body
    vault_body = by_id[memories["vault"].id][2]
    assert SECRET not in vault_body and "not exported" in vault_body
    index = (folder / "Memloci export.md").read_text()
    assert "5 memories" in index and "- Episodic: 2" in index


def test_secrets_only_with_the_passphrase(memloci: Any, memories: dict, tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase):
        memloci.data.export_memories(tmp_path / "x", "markdown", passphrase="wrong horse")
    assert not (tmp_path / "x").exists()
    result = memloci.data.export_memories(tmp_path / "x", "markdown", passphrase=PASSPHRASE)
    assert result.secrets
    (note,) = (tmp_path / "x" / "Vault").glob("*.md")
    assert f"**secret value**: {SECRET}" in note.read_text()


def test_exporting_into_the_same_folder_leaves_nothing_erased_since(
    memloci: Any, memories: dict, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    memloci.data.export_memories(folder, "markdown")
    (folder / "Episodic" / "my own note.md").write_text("mine")  # the person's file stays
    memloci.data.erase(Selection(app="firefox"))
    result = memloci.data.export_memories(folder, "markdown")
    assert result.memories == 4
    assert not any("Bank" in name for name in notes(folder))
    assert (folder / "Episodic" / "my own note.md").read_text() == "mine"
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    with pytest.raises(InvalidInput, match="not empty"):
        memloci.data.export_memories(other, "csv")
    assert sorted(p.name for p in other.iterdir()) == ["keep.txt"]


def test_json_lines_hold_the_full_records(memloci: Any, memories: dict, tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    result = memloci.data.export_memories(path, "json")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert result.memories == len(lines) == 5
    record = next(r for r in lines if r["id"] == memories["steps"].id)
    assert record["valid_to"] and record["fields"]["steps"] == ["=cmd|calc", "go to office"]
    assert [h["action"] for h in record["history"]] == ["add", "invalidate"]
    vault = next(r for r in lines if r["type"] == "vault")
    assert vault["secret_exported"] is False and SECRET not in path.read_text()
    assert "sealed_secret" not in path.read_text()
    memloci.data.export_memories(path, "json", passphrase=PASSPHRASE, types=["vault"])
    (vault,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert vault["fields"]["secret_value"] == SECRET
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_csv_per_type_reads_back_and_never_runs_as_a_formula(
    memloci: Any, memories: dict, tmp_path: Path
) -> None:
    folder = tmp_path / "sheets"
    result = memloci.data.export_memories(folder, "csv")
    assert sorted(p.name for p in folder.glob("*.csv")) == [
        "episodic.csv",
        "procedural.csv",
        "semantic.csv",
        "vault.csv",
    ]
    assert result.files == 4
    with (folder / "procedural.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["steps"] == "'=cmd|calc; go to office" and row["invalid_reason"] == "done already"
    with (folder / "episodic.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["actor"] for r in rows} == {"Ana", "Firefox"}
    assert "field occurred_at" in rows[0]  # a field that clashes with a common column
    with (folder / "vault.csv").open(encoding="utf-8-sig", newline="") as handle:
        (vault,) = list(csv.DictReader(handle))
    assert vault["secret_value"] == "" and vault["caption"] == "Gym locker"


def test_types_and_time_narrow_the_export(memloci: Any, memories: dict, tmp_path: Path) -> None:
    result = memloci.data.export_memories(tmp_path / "a.jsonl", "json", types=["semantic"])
    assert result.by_type == {"semantic": 1}
    result = memloci.data.export_memories(
        tmp_path / "b.jsonl", "json", since=ago(60), until=ago(10)
    )
    assert result.by_type == {"episodic": 1}  # the screen session 30 minutes ago
    with pytest.raises(InvalidInput, match="Unknown export format"):
        memloci.data.export_memories(tmp_path / "c", "xlsx")


def test_the_export_command(capsys, home: Path, tmp_path: Path, monkeypatch: Any) -> None:
    from app.core import Memloci

    with Memloci.open(home) as memloci:
        memloci.add("Gym locker", type="vault", fields={"secret_value": SECRET})
        memloci.add("Met Ana", type="episodic")
    folder = tmp_path / "notes"
    code, out, _ = cli(capsys, "export", str(folder), "--format", "markdown")
    assert code == 0 and "Exported 2 memories (vault 1, episodic 1)" in out
    assert "Vault secrets were left out" in out
    code, out, err = cli(
        capsys, "export", str(tmp_path / "s.jsonl"), "--format", "json", "--secrets", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["secrets"] is True and SECRET in (tmp_path / "s.jsonl").read_text()
    code, _, err = cli(capsys, "export", str(tmp_path / "b.mlb"), "--type", "vault")
    assert code == 2 and "holds everything" in err
    code, out, _ = cli(capsys, "export", str(tmp_path / "b.mlb"))
    assert code == 0 and "encrypted" in out
