"""The model and agent commands, run the way a person runs them (with a scripted model)."""

from __future__ import annotations

import io
import json

import pytest

from app.cli import main
from app.llm.factory import ModelRuntime
from tests.scripted_model import ScriptedModel, _empty_for
from tests.unit.agent_helpers import enqueue_chat


@pytest.fixture
def fake(monkeypatch) -> ScriptedModel:
    model = ScriptedModel(
        lambda messages, options: (
            _empty_for(options) if options.json_schema else "Ana lives in Porto."
        )
    )

    def runtime(settings, api_key=None):
        return ModelRuntime(settings, api_key, builder=lambda s, k: model)

    monkeypatch.setattr("app.bootstrap.ModelRuntime", runtime)
    return model


def run(capsys, *args: str, stdin: str | None = None, monkeypatch=None) -> tuple:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_ask_json_gives_answer_and_citations(capsys, fake) -> None:
    code, out, _ = run(capsys, "add", "Ana lives in Porto", "-t", "semantic", "--json")
    fact = json.loads(out)
    assert run(capsys, "config", "set", "model.answer_mode", "model")[0] == 0
    code, out, err = run(capsys, "ask", "Where", "does", "Ana", "live?", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["answer"] == "Ana lives in Porto." and answer["citations"] == [fact["id"]]
    code, out, _ = run(capsys, "ask", "Where does Ana live?")
    assert code == 0 and out.startswith("Ana lives in Porto.")
    assert "Sources" in out and fact["id"][:8] in out


def test_ask_by_default_answers_from_memories_and_says_so(capsys, fake) -> None:
    code, out, _ = run(capsys, "add", "Ana lives in Porto", "-t", "semantic", "--json")
    fact = json.loads(out)
    code, out, err = run(capsys, "ask", "Where does Ana live?")
    assert code == 0, err
    assert out.startswith("Ana lives in Porto [1] (you saved it on ")
    assert (
        "(Built from your memories: quoted with their dates and sources, nothing generated.)" in out
    )
    assert fact["id"][:8] in out and fake.calls == []  # the bundled model wrote nothing
    code, out, _ = run(capsys, "ask", "What is Ana's shoe size?", "--json")
    answer = json.loads(out)
    assert answer["found"] is False and answer["citations"] == []
    assert answer["answer"].startswith("None of your memories says that.")


def test_ask_with_a_model_prints_only_checked_sentences(capsys, monkeypatch) -> None:
    model = ScriptedModel(default="Ana lives in Porto. She moved there in 2019 from Faro.")

    def runtime(settings, api_key=None):
        return ModelRuntime(settings, api_key, builder=lambda s, k: model)

    monkeypatch.setattr("app.bootstrap.ModelRuntime", runtime)
    run(capsys, "add", "Ana lives in Porto", "-t", "semantic")
    run(capsys, "config", "set", "model.answer_mode", "model")
    code, out, err = run(capsys, "ask", "Where does Ana live?")
    assert code == 0, err
    assert out.startswith("Ana lives in Porto.") and "2019" not in out and "Faro" not in out
    assert "each sentence was checked against your memories before it was shown" in out
    assert "1 sentence of the model's answer was left out" in out


def test_agents_run_status_and_consolidate(capsys, fake, memloci) -> None:
    enqueue_chat(memloci, [("Tom", "Ana's email is ana@x.pt")])
    memloci.close()
    code, out, _ = run(capsys, "agents", "status", "--json")
    assert code == 0 and json.loads(out)["backlog"] == 1
    code, out, _ = run(capsys, "agents", "run", "--json")
    report = json.loads(out)
    assert report["done"] == 1 and report["added_by_type"] == {"semantic": 1}
    code, out, _ = run(capsys, "agents", "run")
    assert code == 0 and "Nothing is waiting" in out
    code, out, _ = run(capsys, "agents", "status")
    assert "0 items waiting" in out and "Last run" in out
    code, out, _ = run(capsys, "consolidate", "--json")
    assert code == 0 and set(json.loads(out)) >= {"merged", "rolled_up", "decayed", "faded"}


def test_model_choice_is_saved_and_bad_files_are_one_line(capsys, fake, tmp_path) -> None:
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "model", "show", "--json")
    assert code == 0 and json.loads(out)["backend"] == "fake"
    code, _, err = run(capsys, "model", "use", str(tmp_path / "missing.gguf"))
    assert code == 8 and err.count("\n") == 1 and "does not exist" in err
    code, out, _ = run(
        capsys, "model", "endpoint", "http://127.0.0.1:9/v1", "--model", "qwen", "--no-check"
    )
    assert code == 0 and "127.0.0.1:9/v1" in out
    code, out, _ = run(capsys, "config", "get", "model.backend")
    assert "endpoint" in out
    code, out, _ = run(capsys, "model", "bundled")
    assert code == 0 and "bundled" in out


def test_an_api_key_goes_to_the_encrypted_store_not_settings(
    capsys, fake, monkeypatch, home
) -> None:
    assert run(capsys, "init")[0] == 0
    code, _, err = run(
        capsys,
        "model",
        "endpoint",
        "http://127.0.0.1:9/v1",
        "--api-key",
        "--no-check",
        stdin="sk-KEYCANARY123456789012\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    for path in home.rglob("*"):
        if path.is_file():
            assert b"KEYCANARY" not in path.read_bytes(), path


def test_chat_reads_lines_and_answers_each(capsys, fake, monkeypatch) -> None:
    assert run(capsys, "init")[0] == 0
    assert run(capsys, "add", "Ana lives in Porto", "-t", "semantic")[0] == 0
    assert run(capsys, "config", "set", "model.answer_mode", "model")[0] == 0
    code, out, _ = run(
        capsys,
        "chat",
        stdin="Where does Ana live?\n\nremember my bank pin is 4455\n/quit\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0
    assert "Ana lives in Porto." in out and "Saved “bank pin” in your vault" in out
    assert "4455" not in out
