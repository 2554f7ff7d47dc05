"""The command line, run the way a person runs it: arguments in, text or JSON out, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main


def memloci_cli(capsys, *args: str, stdin: str | None = None, monkeypatch=None) -> tuple:
    if stdin is not None and monkeypatch is not None:
        import io

        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_add_list_show_search_history_forget(capsys) -> None:
    code, out, _ = memloci_cli(capsys, "add", "Dinner with Ana at Taberna", "--json")
    assert code == 0
    memory = json.loads(out)
    assert memory["type"] == "episodic" and memory["sources"] == [{"kind": "user", "ref": "cli"}]

    code, out, _ = memloci_cli(
        capsys, "add", "Ana is my sister", "-t", "semantic", "-f", "name=Ana"
    )
    assert code == 0 and out.startswith("Remembered semantic")

    code, out, _ = memloci_cli(capsys, "search", "Ana Taberna", "--json")
    result = json.loads(out)
    assert result["query"] == "Ana Taberna"
    hit = result["hits"][0]
    assert hit["id"] == memory["id"]
    assert set(hit) >= {"id", "type", "text", "score", "occurred_at", "sources"}
    assert hit["sources"] == [{"kind": "user", "ref": "cli"}]

    code, out, _ = memloci_cli(capsys, "list", "-t", "episodic")
    assert memory["id"][:8] in out and "Dinner with Ana" in out

    code, out, _ = memloci_cli(
        capsys, "update", memory["id"][:8], "Dinner with Ana at Tasca", "--reason", "wrong place"
    )
    assert code == 0 and "version 2" in out
    code, out, _ = memloci_cli(capsys, "history", memory["id"][:8], "--json")
    entries = json.loads(out)
    assert [e["action"] for e in entries] == ["add", "update"]
    assert entries[1]["reason"] == "wrong place"

    code, out, _ = memloci_cli(capsys, "show", memory["id"][:8])
    assert "Tasca" in out and "user: cli" in out

    code, out, err = memloci_cli(capsys, "forget", memory["id"][:8])
    assert code == 2 and "--yes" in err  # no terminal to confirm in
    code, out, _ = memloci_cli(capsys, "forget", memory["id"][:8], "--yes")
    assert code == 0
    code, _, err = memloci_cli(capsys, "show", memory["id"])
    assert code == 3 and err.startswith("memloci: No memory")


def test_search_with_time_range_and_types(capsys) -> None:
    memloci_cli(capsys, "add", "Flight to Lisbon", "-f", "occurred_at=2023-05-08T10:00")
    memloci_cli(capsys, "add", "Flight to Porto", "-f", "occurred_at=2024-01-02T10:00")
    code, out, _ = memloci_cli(
        capsys, "search", "flight", "--since", "2023-05-01", "--until", "2023-05-31", "--json"
    )
    assert [h["text"] for h in json.loads(out)["hits"]] == ["user: Flight to Lisbon"]
    code, out, _ = memloci_cli(capsys, "search", "flight", "--until", "2023-05-08", "--json")
    assert len(json.loads(out)["hits"]) == 1  # a bare end day includes that day
    code, out, _ = memloci_cli(capsys, "search", "flight", "-t", "semantic", "--json")
    assert json.loads(out)["hits"] == []
    code, _, err = memloci_cli(capsys, "search", "flight", "--since", "someday")
    assert code == 2 and "Cannot read the date" in err


def test_search_time_range_in_words(capsys) -> None:
    memloci_cli(capsys, "add", "Flight to Lisbon", "-f", "occurred_at=2023-05-31T22:00")
    memloci_cli(capsys, "add", "Flight to Porto", "-f", "occurred_at=2023-06-01T10:00")
    code, out, _ = memloci_cli(
        capsys, "search", "flight", "--since", "May 2023", "--until", "May 2023", "--json"
    )
    assert code == 0 and [h["text"] for h in json.loads(out)["hits"]] == ["user: Flight to Lisbon"]
    code, out, _ = memloci_cli(capsys, "search", "flight", "--since", "1 June 2023", "--json")
    assert [h["text"] for h in json.loads(out)["hits"]] == ["user: Flight to Porto"]


def test_reading_before_init_says_how_to_start(capsys) -> None:
    code, _, err = memloci_cli(capsys, "list")
    assert code == 7 and "memloci init" in err


def test_vault_secret_from_stdin_is_masked_until_revealed(capsys, monkeypatch) -> None:
    code, out, _ = memloci_cli(
        capsys,
        "add",
        "Wi-Fi password",
        "-t",
        "vault",
        "--json",
        stdin="hunter2-wifi\n",
        monkeypatch=monkeypatch,
    )
    entry = json.loads(out)
    assert code == 0 and "hunter2" not in out
    code, out, _ = memloci_cli(capsys, "show", entry["id"])
    assert "hunter2" not in out and "••••" in out
    code, out, _ = memloci_cli(capsys, "show", entry["id"], "--reveal", "--json")
    assert json.loads(out)["fields"]["secret_value"] == "hunter2-wifi"
    code, out, _ = memloci_cli(capsys, "search", "wifi password", "--json")
    assert "hunter2" not in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", ""], 2, "empty"),
        (["add", "x", "-t", "diary"], 2, "diary"),
        (["add", "x", "-f", "oops"], 2, "NAME=VALUE"),
        (["add", "x", "--source", "nowhere"], 2, "KIND:REF"),
        (["add", "x", "--source", "fax:123"], 2, "Unknown source kind"),
        (["search"], 2, "search query"),
        (["show", "zzzzzzzz"], 3, "No memory"),
        (["update", "zzzzzzzz", "x"], 3, "No memory"),
        (["config", "set", "search.default_limit", "0"], 7, "default_limit"),
        (["config", "get", "no.such"], 7, "no setting"),
    ],
)
def test_bad_input_gives_one_line_and_a_nonzero_exit(capsys, args, code, message) -> None:
    memloci_cli(capsys, "init")
    got, _out, err = memloci_cli(capsys, *args)
    assert got == code
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_add_from_file_records_the_file_as_source(capsys, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Project Kestrel\nShip the beta in March.", encoding="utf-8")
    code, out, _ = memloci_cli(capsys, "add", "--file", str(notes), "-t", "resource", "--json")
    memory = json.loads(out)
    assert memory["fields"]["title"] == "Project Kestrel"
    assert memory["sources"] == [{"kind": "file", "ref": str(notes.resolve())}]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 latin-1")
    code, _, err = memloci_cli(capsys, "add", "--file", str(bad), "-t", "resource")
    assert code == 2 and "not valid UTF-8" in err


def test_config_set_get_and_stats(capsys) -> None:
    code, out, _ = memloci_cli(capsys, "config", "set", "search.default_limit", "3")
    assert code == 0 and out.strip() == "search.default_limit = 3"
    code, out, _ = memloci_cli(capsys, "config", "get", "search.default_limit")
    assert out.strip() == "3"
    for n in range(5):
        memloci_cli(capsys, "add", f"coffee note {n}")
    code, out, _ = memloci_cli(capsys, "search", "coffee", "--json")
    assert len(json.loads(out)["hits"]) == 3
    code, out, _ = memloci_cli(capsys, "stats", "--json")
    assert json.loads(out)["by_type"]["episodic"] == 5


def test_config_set_takes_a_comma_separated_list(capsys) -> None:
    code, out, err = memloci_cli(
        capsys, "config", "set", "agents.person_names", "Tomasz, Tomasz Wierzbicki"
    )
    assert code == 0, err
    assert out.strip() == 'agents.person_names = ["Tomasz", "Tomasz Wierzbicki"]'
    code, out, _ = memloci_cli(capsys, "config", "set", "agents.person_names", '["Ify"]')
    assert json.loads(out.split(" = ", 1)[1]) == ["Ify"]


def test_doctor_reports_each_check_with_a_fix(capsys) -> None:
    memloci_cli(capsys, "init")
    code, out, _ = memloci_cli(capsys, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(out)}
    assert checks["store"]["status"] == "ok" and "integrity ok" in checks["store"]["detail"]
    assert checks["encryption"]["status"] == "ok"
    for check in checks.values():
        assert check["status"] in {"ok", "warn", "fail"}
        if check["status"] != "ok":
            assert check["fix"], check
    assert code == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)


def test_console_script_and_python_dash_m_both_work(home: Path) -> None:
    from tests.conftest import subprocess_env

    env = subprocess_env(home)
    script = Path(sys.executable).with_name("memloci")
    for command in ([str(script)], [sys.executable, "-m", "app"]):
        result = subprocess.run(
            [*command, "--version"], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        assert result.stdout.startswith("memloci, version")
