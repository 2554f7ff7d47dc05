"""`memloci forget` by selection (issue 20): the dry run counts by type and source, the
confirmation shows the same, and after erasing an application it offers never to capture it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core import Memloci
from tests.unit.erase_helpers import ago, derived, session
from tests.unit.test_forget_cli import cli


@pytest.fixture
def screen(home: Path) -> dict[str, str]:
    with Memloci.open(home) as memloci:
        a = session(memloci, "a", app="Firefox", start=ago(10), title="Bank — Mozilla Firefox")
        b = session(memloci, "b", app="Firefox", start=ago(50), title="News — Mozilla Firefox")
        c = session(memloci, "c", app="Writer", start=ago(8), title="report.odt")
        fact = derived(memloci, "Banks at Quokka", made_from=[a])
        return {"a": a.id, "b": b.id, "c": c.id, "fact": fact.id}


def alive(home: Path) -> set[str]:
    with Memloci.open(home) as memloci:
        return {r[0] for r in memloci._parts.database.conn().execute("SELECT id FROM memories")}


def test_dry_run_counts_by_type_and_source_and_changes_nothing(capsys, home, screen) -> None:
    code, out, _ = cli(capsys, "forget", "--last", "15m", "--dry-run")
    assert code == 0
    assert "Would erase 3 memories (episodic 2, semantic 1)." in out
    assert "By source:" in out
    assert "1  screen · Firefox" in out and "1  screen · Writer" in out
    assert "1  made by the memory agents" in out
    assert screen["a"][:8] in out and screen["fact"][:8] in out and screen["b"][:8] not in out
    assert alive(home) == set(screen.values())

    code, out, _ = cli(capsys, "forget", "--app", "firefox", "--dry-run", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["done"] is False and plan["forgotten"] == 3
    assert plan["by_source"] == {"screen · Firefox": 2, "made by the memory agents": 1}
    assert plan["selection"]["app"] == "firefox" and plan["apps"] == ["Firefox"]


def test_it_asks_at_a_terminal_and_then_offers_never_to_capture(
    capsys, home, screen, monkeypatch
) -> None:
    code, out, err = cli(
        capsys, "forget", "--app", "firefox", answer="n\n", monkeypatch=monkeypatch
    )
    assert code != 0 and "Would erase 3 memories" in out and "Erase these for good?" in err
    assert alive(home) == set(screen.values())

    code, out, err = cli(
        capsys, "forget", "--app", "firefox", answer="y\ny\n", monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert "Erased 3 memories (episodic 2, semantic 1)." in out
    assert "Never capture Firefox again?" in err
    assert "no longer capture windows of 'firefox'" in out
    assert alive(home) == {screen["c"]}
    with Memloci.open(home) as memloci:
        rules = [(r.kind, r.pattern) for r in memloci.capture.rules() if r.origin == "user"]
    assert rules == [("app", "firefox")]


def test_without_a_terminal_it_needs_yes(capsys, home, screen) -> None:
    code, _, err = cli(capsys, "forget", "--title", "*bank*")
    assert code == 2 and "add --yes" in err
    code, out, _ = cli(capsys, "forget", "--title", "*bank*", "--yes", "--json")
    done = json.loads(out)
    assert code == 0 and done["done"] is True and done["forgotten"] == 2
    assert done["never_capture"] is None and done["vectors"] in ("rewritten", "clean")
    assert alive(home) == {screen["b"], screen["c"]}


def test_never_capture_without_asking(capsys, home, screen) -> None:
    code, out, _ = cli(capsys, "forget", "--app", "writer", "--yes", "--never-capture")
    assert code == 0 and "no longer capture windows of 'writer'" in out
    with Memloci.open(home) as memloci:
        assert any(r.pattern == "writer" for r in memloci.capture.rules())


def test_bad_combinations_are_one_line_errors(capsys, home, screen) -> None:
    for args, said in (
        (["forget", screen["a"], "--app", "x"], "not both"),
        (["forget"], "Say what to erase"),
        (["forget", "--type", "vault"], "Say what to erase"),
        (["forget", "--last", "soon"], "not a length of time"),
        (["forget", "--last", "1h", "--since", "yesterday"], "not both"),
        (["forget", "--source", "conv1"], "KIND:REF"),
        (["forget", "--title", "x", "--never-capture"], "goes with --app"),
    ):
        code, _, err = cli(capsys, *args)
        assert code == 2 and said in err, (args, err)
    assert alive(home) == set(screen.values())


def test_retention_rules_from_the_config_command(capsys, home, screen) -> None:
    code, out, _ = cli(capsys, "config", "set", "retention.apps", '{"Firefox": 1}')
    assert code == 0 and 'retention.apps = {"firefox": 1}' in out
    code, out, _ = cli(capsys, "retention", "show")
    assert code == 0 and "app firefox" in out and "1 day" in out
    assert "Would expire now: nothing." in out  # every Firefox session is younger than a day
    code, out, _ = cli(capsys, "config", "set", "retention.screen_days", "0")
    assert code == 0
    with Memloci.open(home) as memloci, memloci._parts.database.write() as db:
        db.conn.execute(
            "UPDATE capture_sessions SET ended_at = '2020-01-01T00:00:00.000000Z' WHERE id = 'b'"
        )
    code, out, _ = cli(capsys, "retention", "apply", "--dry-run")
    assert code == 0 and "Would expire now: 1 screen sessions." in out
    code, _, err = cli(capsys, "retention", "apply")
    assert code == 2 and "--yes" in err
    code, out, _ = cli(capsys, "retention", "apply", "--yes", "--json")
    report = json.loads(out)
    assert code == 0 and report["done"] and report["counts"]["screen sessions"] == 1
    assert alive(home) == {screen["a"], screen["c"], screen["fact"]}
