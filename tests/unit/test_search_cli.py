"""The search-related commands: embedder show/use/sync, and doctor's two checks."""

from __future__ import annotations

import json

import pytest

from app.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_embedder_show_use_and_sync(capsys) -> None:
    assert run(capsys, "add", "Lunch with Ana at Taberna")[0] == 0
    code, out, _ = run(capsys, "embedder", "show", "--json")
    status = json.loads(out)
    assert code == 0 and status["memories"] == 1 and status["vector_index"] == "closed"
    code, out, err = run(capsys, "embedder", "sync")
    assert code == 0 and out.strip() == "Embedded 1 memories."
    code, out, _ = run(capsys, "embedder", "show")
    assert "with vectors  1" in out and "waiting       0" in out

    code, out, _ = run(capsys, "embedder", "use", "none")
    assert code == 0 and "full-text search only" in out
    code, out, _ = run(capsys, "search", "Taberna", "--json")
    assert [h["title"] for h in json.loads(out)["hits"]] == ["Lunch with Ana at Taberna"]
    code, out, _ = run(capsys, "config", "get", "embedder.kind")
    assert json.loads(out) == "none"

    code, _, err = run(capsys, "embedder", "use", "gguf")
    assert code == 2 and "Give the GGUF file" in err


def test_doctor_reports_the_embedder_and_the_vector_index(capsys) -> None:
    run(capsys, "add", "something to index")
    _, out, _ = run(capsys, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(out)}
    assert checks["embedder"]["status"] == "ok"
    assert "all-MiniLM-L6-v2" in checks["embedder"]["detail"]
    assert checks["vector index"]["status"] == "ok"
