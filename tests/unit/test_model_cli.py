"""`memloci model download|list|use|remove|catalog|servers|same` as a person runs them, against a
hub on loopback (tests/hubserver.py)."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.hubserver import small_gguf

REPO, FILE = "someone/Tiny-GGUF", "tiny-Q4_K_M.gguf"


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_download_list_use_and_remove(capsys, hub, home) -> None:
    sha = hub.add(REPO, FILE, small_gguf())
    assert run(capsys, "init")[0] == 0
    code, out, err = run(capsys, "model", "download", f"{REPO}/{FILE}", "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["sha256"] == sha and done["checked_against"] == "hub"
    assert done["path"] == str(home / "data" / "models" / FILE)
    assert "Verifying" in err  # progress goes to stderr
    code, out, _ = run(capsys, "model", "download", f"{REPO}/{FILE}")
    assert code == 0 and "downloaded already" in out
    code, out, _ = run(capsys, "model", "use", FILE, "--role", "agents")
    assert code == 0 and "Memory agents" in out and FILE in out
    code, out, _ = run(capsys, "model", "list", "--json")
    assert [(m["file"], m["used_for"]) for m in json.loads(out)] == [(FILE, ["agents"])]
    code, _, err = run(capsys, "model", "remove", FILE)
    assert code == 2 and "is in use" in err and err.count("\n") == 1
    assert run(capsys, "model", "same")[0] == 0
    code, out, _ = run(capsys, "model", "show", "--json")
    assert json.loads(out)["agents"]["shared"] is True
    code, out, _ = run(capsys, "model", "remove", FILE)
    assert code == 0 and "Removed" in out
    assert not (home / "data" / "models" / FILE).exists()
    code, out, _ = run(capsys, "model", "list")
    assert "No models downloaded yet" in out


def test_a_failed_download_is_one_sentence_and_a_catalogue_name_is_checked(capsys, hub) -> None:
    hub.add(REPO, FILE, small_gguf())
    hub.faults.wrong_bytes = True
    assert run(capsys, "init")[0] == 0
    code, _, err = run(capsys, "model", "download", f"{REPO}/{FILE}")
    last = err.strip().splitlines()[-1]  # after the progress lines: one sentence
    assert code == 9 and last.startswith("memloci: ") and "SHA-256" in last
    code, _, err = run(capsys, "model", "download", "not-a-model")
    assert code == 2 and "catalogue model" in err


def test_catalog_lists_estimates_without_measuring_when_told(capsys, monkeypatch) -> None:
    from app.llm.catalog import Speed

    monkeypatch.setattr(
        "app.llm.speed.this_machine",
        lambda cache, again=False, measure=True: Speed(300.0, 80.0, 98_362_432, 2),
    )
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "model", "catalog", "--json")
    view = json.loads(out)
    assert code == 0 and view["measured"]["writing_tokens_per_s"] == 80.0
    assert {m["name"] for m in view["models"]} >= {"qwen2.5-1.5b", "qwen2.5-7b"}
    assert sum(m["recommended"] for m in view["models"]) <= 1
    code, out, _ = run(capsys, "model", "catalog")
    assert "This computer:" in out and "Speeds are estimates" in out and "qwen2.5-7b" in out
