"""`memloci forget` with what came from the memory (issue 13, item 6): --dry-run shows what
goes (counts by type, ids, short text), the confirmation shows the same, --cascade is the
default and --keep-derived keeps the derived memories without the forgotten source."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.cli import main
from app.core import Memloci
from app.domain import Source
from app.errors import NotFound

M1, M2 = Source("chat", "c1:1"), Source("chat", "c1:2")


class Terminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def cli(capsys, *args: str, answer: str | None = None, monkeypatch=None) -> tuple:
    if answer is not None:
        monkeypatch.setattr("sys.stdin", Terminal(io.BytesIO(answer.encode())))
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


@pytest.fixture
def chat(home: Path) -> dict[str, str]:
    with Memloci.open(home) as memloci:
        message = memloci.add(
            "I adopted a greyhound called Pimenta",
            fields={"actor": "Ana", "event_type": "chat"},
            sources=[M1],
            actor="import",
        )
        memloci.add("Pimenta runs fast", sources=[M2], actor="import")
        only = memloci.add(
            "Ana adopted a greyhound called Pimenta.",
            type="semantic",
            sources=[M1],
            actor="agent:semantic",
        )
        both = memloci.add(
            "Pimenta is a fast greyhound.",
            type="semantic",
            sources=[M1, M2],
            actor="agent:semantic",
        )
        return {"message": message.id, "only": only.id, "both": both.id}


def state(home: Path, memory_id: str) -> tuple[Source, ...] | None:
    """The memory's sources, or None when it is gone."""
    with Memloci.open(home) as memloci:
        try:
            return memloci.get(memory_id).sources
        except NotFound:
            return None


def test_dry_run_lists_what_would_go_and_changes_nothing(capsys, home, chat) -> None:
    code, out, _ = cli(capsys, "forget", chat["message"][:8], "--dry-run")
    assert code == 0
    assert "Would forget 2 memories (episodic 1, semantic 1):" in out
    assert chat["message"][:8] in out and chat["only"][:8] in out
    assert "asked" in out and "derived" in out and "Ana adopted a greyhound" in out
    assert "Would keep 1 memory that also came from elsewhere" in out and chat["both"][:8] in out
    assert state(home, chat["message"]) == (M1,) and state(home, chat["only"]) == (M1,)

    code, out, _ = cli(capsys, "forget", chat["message"], "--dry-run", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["done"] is False and plan["cascade"] is True
    assert plan["forgotten"] == 2 and plan["by_type"] == {"episodic": 1, "semantic": 1}
    assert [i["id"] for i in plan["derived"]] == [chat["only"]]
    assert [i["id"] for i in plan["kept"]] == [chat["both"]]
    assert plan["kept"][0]["lost_sources"] == [M1.to_dict()]
    assert state(home, chat["only"]) == (M1,)


def test_forget_cascades_by_default(capsys, home, chat) -> None:
    code, out, _ = cli(capsys, "forget", chat["message"][:8], "--yes")
    assert code == 0 and "Forgot 2 memories (episodic 1, semantic 1):" in out
    assert state(home, chat["message"]) is None and state(home, chat["only"]) is None
    assert state(home, chat["both"]) == (M2,)


def test_keep_derived_keeps_them_without_the_source(capsys, home, chat) -> None:
    code, out, _ = cli(capsys, "forget", chat["message"][:8], "--keep-derived", "--yes", "--json")
    done = json.loads(out)
    assert code == 0 and done["done"] is True and done["cascade"] is False
    assert [i["id"] for i in done["requested"]] == [chat["message"]] and done["derived"] == []
    assert state(home, chat["message"]) is None
    kept = state(home, chat["only"])
    assert kept is not None and M1 not in kept
    assert state(home, chat["both"]) == (M2,)


def test_the_confirmation_shows_the_plan_and_no_keeps_everything(
    capsys, home, chat, monkeypatch
) -> None:
    code, out, err = cli(
        capsys, "forget", chat["message"][:8], answer="n\n", monkeypatch=monkeypatch
    )
    assert code == 130 and "Would forget 2 memories" in out and chat["only"][:8] in out
    assert "Forget these for good?" in err
    assert state(home, chat["only"]) == (M1,)
    code, out, _ = cli(capsys, "forget", chat["message"][:8], answer="y\n", monkeypatch=monkeypatch)
    assert code == 0 and state(home, chat["only"]) is None


def test_without_a_terminal_it_asks_for_yes(capsys, home, chat) -> None:
    code, _, err = cli(capsys, "forget", chat["message"][:8])
    assert code == 2 and "--yes" in err and "--dry-run" in err
    assert state(home, chat["message"]) == (M1,)
