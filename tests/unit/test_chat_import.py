"""Chat import: JSON Lines and ChatGPT exports become episodic memories, idempotently, in one
transaction, queued for the agents in that same transaction; bad files fail with FILE:LINE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.core import Memloci
from app.errors import InvalidInput


def write_jsonl(path: Path, messages: list) -> Path:
    path.write_text(
        "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages),
        encoding="utf-8",
    )
    return path


def message(n: int, text: str, **extra) -> dict:
    return {
        "id": f"m{n}",
        "conversation": "c1",
        "speaker": "Ana" if n % 2 else "Rui",
        "text": text,
        "timestamp": f"2023-05-08T13:{n:02d}:00Z",
        **extra,
    }


CHAT = [
    message(1, "Did you go anywhere nice this weekend?"),
    message(2, "Yes! We went camping by the lake with the kids."),
    message(3, "Look at this", attachments=[{"caption": "a tent under pine trees"}]),
    message(4, "The dentist moved my appointment to Friday."),
]


def counts(memloci: Memloci) -> tuple[int, int]:
    db = memloci._parts.database
    return (
        int(db.scalar("SELECT count(*) FROM memories")),
        int(db.scalar("SELECT count(*) FROM work_queue")),
    )


def test_each_message_becomes_an_episodic_memory_traced_to_its_id(memloci, tmp_path) -> None:
    result = memloci.import_chat(write_jsonl(tmp_path / "chat.jsonl", CHAT))
    assert (result.messages, result.imported, result.skipped, result.queued) == (4, 4, 0, 4)
    memories = sorted(memloci.list(limit=10), key=lambda m: m.occurred_at)
    assert [m.fields["actor"] for m in memories] == ["Ana", "Rui", "Ana", "Rui"]
    assert [m.sources[0].to_dict() for m in memories] == [
        {"kind": "chat", "ref": f"m{n}"} for n in range(1, 5)
    ]
    assert memories[0].occurred_at.isoformat() == "2023-05-08T13:01:00+00:00"
    assert memories[2].fields["summary"] == "Look at this\n[attachment: a tent under pine trees]"
    assert memories[0].fields["event_type"] == "chat"
    assert memloci.search("tent")[0].id == memories[2].id


def test_queue_items_carry_the_agents_payload(memloci, tmp_path) -> None:
    memloci.import_chat(write_jsonl(tmp_path / "chat.jsonl", CHAT[2:3]))
    item = memloci._parts.queue.claim(["chat"])[0]
    memory = memloci.list(limit=1)[0]
    assert item.ref == "m3"
    assert item.payload == {
        "memory_id": memory.id,
        "message_id": "m3",
        "conversation": "c1",
        "speaker": "Ana",
        "text": "Look at this",
        "timestamp": "2023-05-08T13:03:00.000000Z",
        "attachments": [{"caption": "a tent under pine trees"}],
    }


def test_no_agents_stores_without_queueing(memloci, tmp_path) -> None:
    result = memloci.import_chat(write_jsonl(tmp_path / "chat.jsonl", CHAT), agents=False)
    assert result.queued == 0 and counts(memloci) == (4, 0)


def test_reimporting_the_same_ids_adds_nothing(memloci, tmp_path) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", CHAT[:2])
    memloci.import_chat(path)
    write_jsonl(path, CHAT)
    again = memloci.import_chat(path)
    assert (again.imported, again.skipped) == (2, 2)
    assert counts(memloci) == (4, 4)
    third = memloci.import_chat(path)
    assert (third.imported, third.skipped) == (0, 4) and counts(memloci) == (4, 4)


def test_a_reply_is_found_by_the_question_before_it(memloci, tmp_path) -> None:
    memloci.import_chat(write_jsonl(tmp_path / "chat.jsonl", CHAT), agents=False)
    # "weekend" is only in the question; the answer (camping) is found through its context.
    hits = memloci.search("weekend")
    assert "camping" in hits[0].text or "camping" in hits[1].text


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "expected a JSON object"),
        (json.dumps({**message(9, "hi"), "timestamp": "last tuesday"}), "not ISO-8601"),
        (json.dumps({k: v for k, v in message(9, "hi").items() if k != "speaker"}), '"speaker"'),
        (json.dumps({**message(9, "hi"), "id": ""}), '"id" is missing or empty'),
        (json.dumps({**message(9, ""), "attachments": []}), '"text" is empty'),
        (json.dumps({**message(9, "hi"), "attachments": "photo.jpg"}), '"attachments"'),
        (json.dumps(message(1, "same id again")), "already used on line 1"),
    ],
)
def test_a_malformed_line_fails_the_whole_file_and_stores_nothing(
    memloci, tmp_path, line, problem
) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [*CHAT, line])
    with pytest.raises(InvalidInput) as error:
        memloci.import_chat(path)
    assert str(error.value).startswith(f"{path}:5: ")
    assert problem in str(error.value)
    assert counts(memloci) == (0, 0)


def test_invalid_utf8_and_blank_lines(memloci, tmp_path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_bytes(json.dumps(CHAT[0]).encode() + b"\n\n   \n" + b'{"id": "\xff"}\n')
    with pytest.raises(InvalidInput, match=r"chat.jsonl:4: not valid UTF-8"):
        memloci.import_chat(path)
    path.write_bytes(json.dumps(CHAT[0]).encode() + b"\n\n   \n")
    assert memloci.import_chat(path).imported == 1


def test_a_failure_while_storing_rolls_everything_back(memloci, tmp_path, monkeypatch) -> None:
    from app.store.memories import MemoryRepository

    original = MemoryRepository.insert
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MemoryRepository, "insert", failing)
    with pytest.raises(OSError):
        memloci.import_chat(write_jsonl(tmp_path / "chat.jsonl", CHAT))
    assert counts(memloci) == (0, 0)
    assert memloci._parts.database.scalar("SELECT count(*) FROM memory_threads") == 0


def test_very_long_messages_are_split_without_losing_a_word(memloci, tmp_path) -> None:
    words = [f"word{n}" for n in range(6_000)]
    memloci.import_chat(write_jsonl(tmp_path / "long.jsonl", [message(1, " ".join(words))]))
    order = memloci._parts.database.query("SELECT id FROM memories ORDER BY seq")
    parts = [memloci.get(row["id"]) for row in order]
    assert len(parts) == 3 and all(p.sources[0].ref == "m1" for p in parts)
    stored = " ".join(p.fields["details"] for p in parts).split()
    assert stored == words
    assert memloci.search("word5999")[0].id in {p.id for p in parts}


def chatgpt_export() -> list:
    def node(node_id, parent, children, role=None, text=None, t=None, **meta):
        message = None
        if role is not None:
            message = {
                "id": node_id,
                "author": {"role": role},
                "create_time": t,
                "content": {"content_type": "text", "parts": [text]},
                "metadata": meta,
            }
        return {"id": node_id, "parent": parent, "children": children, "message": message}

    mapping = {
        "root": node("root", None, ["sys"]),
        "sys": node("sys", "root", ["u1"], "system", "You are ChatGPT", 1700000000.0),
        "u1": node("u1", "sys", ["a1", "a1b"], "user", "Suggest a name for my cat", 1700000001.0),
        "a1": node("a1", "u1", [], "assistant", "How about Miso?", 1700000002.0),
        "a1b": node("a1b", "u1", ["u2"], "assistant", "How about Pixel?", 1700000003.0),
        "u2": node("u2", "a1b", ["h"], "user", "Pixel it is!", 1700000004.0),
        "h": node(
            "h", "u2", [], "user", "hidden", 1700000005.0, is_visually_hidden_from_conversation=True
        ),
    }
    return [
        {
            "title": "Cat names",
            "create_time": 1700000000.0,
            "conversation_id": "conv-1",
            "current_node": "h",
            "mapping": mapping,
        }
    ]


def test_a_chatgpt_export_imports_the_branch_the_person_saw(memloci, tmp_path) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(chatgpt_export()), encoding="utf-8")
    result = memloci.import_chat(path)
    assert (result.imported, result.conversations) == (3, 1)
    memories = sorted(memloci.list(limit=10), key=lambda m: m.occurred_at)
    assert [m.fields["summary"] for m in memories] == [
        "Suggest a name for my cat",
        "How about Pixel?",
        "Pixel it is!",
    ]
    assert [m.fields["actor"] for m in memories] == ["user", "ChatGPT", "user"]
    assert [m.sources[0].ref for m in memories] == ["u1", "a1b", "u2"]
    assert memloci.import_chat(path).imported == 0


def test_a_broken_chatgpt_export_names_the_conversation(memloci, tmp_path) -> None:
    export = chatgpt_export()
    export[0]["mapping"]["u2"]["message"]["create_time"] = None
    export[0]["create_time"] = None
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"conversation 1 \('Cat names'\): message u2: .*time"):
        memloci.import_chat(path)
    path.write_text('[{"mapping": {}}, ', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"conversations.json:1: invalid JSON"):
        memloci.import_chat(path)
    assert counts(memloci) == (0, 0)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_the_cli_imports_shows_progress_and_answers_many_queries(capsys, tmp_path) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", CHAT)
    code, out, err = run_cli(capsys, "import-chat", str(path), "--no-agents", "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "path": str(path),
        "messages": 4,
        "imported": 4,
        "skipped": 0,
        "queued": 0,
        "conversations": 1,
        "embedded": 4,
    }
    assert "Storing messages: 4/4 (100%)" in err
    code, out, err = run_cli(capsys, "import-chat", str(path))
    assert code == 0 and "Imported 0 of 4 messages; 4 were already imported." in out

    queries = tmp_path / "queries.txt"
    queries.write_text('dentist\n\ncamping lake\n{"query": "tent"}\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "search", "--queries", str(queries), "--limit", "2", "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["dentist", "camping lake", "tent"]
    assert all(1 <= len(line["hits"]) <= 2 for line in lines)
    assert lines[0]["hits"][0]["sources"] == [{"kind": "chat", "ref": "m4"}]

    bad = write_jsonl(tmp_path / "bad.jsonl", ["{oops"])
    code, out, err = run_cli(capsys, "import-chat", str(bad))
    assert code == 2
    assert err.strip() == (
        f"memloci: {bad}:1: invalid JSON "
        "(Expecting property name enclosed in double quotes at column 2)."
    )


def test_after_a_backup_restore_reimporting_restores_context_without_duplicates(
    memloci, tmp_path, monkeypatch
) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", CHAT)
    memloci.import_chat(path, agents=False)
    backup = tmp_path / "memories.mlb"
    memloci.export_backup(backup, "backup passphrase")
    monkeypatch.setenv("MEMLOCI_HOME", str(tmp_path / "restored"))
    with Memloci.open(tmp_path / "restored") as restored:
        restored.import_backup(backup, "backup passphrase")
        db = restored._parts.database
        assert db.scalar("SELECT count(*) FROM memory_threads") == 0  # not in backups
        result = restored.import_chat(path, agents=False)
        assert (result.imported, result.skipped) == (0, 4)
        assert db.scalar("SELECT count(*) FROM memories") == 4
        assert db.scalar("SELECT count(*) FROM memory_threads") == 4
        contexts = [r[0] for r in db.conn().execute("SELECT ctx FROM search_docs")]
        assert sum(1 for c in contexts if "camping" in c) >= 1
