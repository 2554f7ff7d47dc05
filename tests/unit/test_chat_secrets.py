"""Secrets typed in a chat (issue 13, item 5): after `memloci import-chat` on a real store they
are nowhere: not in a memory's text or fields, its history, the full-text index, the agents'
queue, search results or `memloci prompt-context`. Ordinary messages are stored as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.core import Memloci
from tests.unit.test_cli import memloci_cli

# (message, the secret in it): the phrasings the red team found kept verbatim, and more
SECRETS = [
    ("my password's Tr0ub4dor&3 for the gmail account", "Tr0ub4dor&3"),
    ("pw: hunter2 for the router", "hunter2"),
    ("my pass is bluefish77 on the school portal", "bluefish77"),
    ("bank login Kx9#mPq2", "Kx9#mPq2"),
    ("mi contraseña del correo es Gato2023!", "Gato2023!"),
    ("minha senha do banco é Brasil2022!", "Brasil2022!"),
    ("mein Passwort für die Bank ist Sonnenblume42", "Sonnenblume42"),
    ("PIN 4821 for the card", "4821"),
    ("the door code is 7395, the card is in the drawer", "7395"),
    ("card cvv 123", "cvv 123"),
    ("here it is: Zx81!qpw (the password for gmail)", "Zx81!qpw"),
    ("p a s s w o r d: sunflower88 for the card site", "sunflower88"),
    ("my passphrase is correct horse battery staple", "horse battery staple"),
    ("billing page key sk live 51QmZr8KpX2vN7tY4wB9cD3eF6gH1jL0", "51QmZr8KpX2vN7tY4wB9"),
    ("the card is 4111 1111 1111 1111 for gmail storage", "4111 1111 1111 1111"),
]
ORDINARY = [
    "I forgot my gmail password again, had to reset it",
    "The door code changed yesterday, ask Ana",
    "Bitwarden is my password manager now",
    "Dinner at 19:30, table for 4, about 120 EUR",
]


def write_chat(path: Path) -> Path:
    lines = []
    for n, text in enumerate([t for t, _ in SECRETS] + ORDINARY, 1):
        lines.append(
            {
                "id": f"m{n}",
                "conversation": "c1",
                "speaker": "Ana",
                "text": text,
                "timestamp": f"2024-03-0{1 + n // 10}T10:{n:02d}:00Z",
            }
        )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def everything_stored(home: Path) -> str:
    memloci = Memloci.open(home)
    try:
        db = memloci._parts.database
        tables = ("memories", "memory_history", "search_docs", "work_queue", "memory_threads")
        return json.dumps(
            {t: db.query(f"SELECT * FROM {t}") for t in tables}, default=str, ensure_ascii=False
        )
    finally:
        memloci.close()


def test_secrets_typed_in_chat_are_nowhere_after_import(capsys, home, tmp_path) -> None:
    code, _, err = memloci_cli(capsys, "import-chat", str(write_chat(tmp_path / "chat.jsonl")))
    assert code == 0, err

    dump = everything_stored(home)
    outputs = [dump]
    for query in ("password", "gmail", "card", "door code", "passphrase", "key", "horse"):
        code, out, _ = memloci_cli(capsys, "search", query, "--json", "--limit", "50")
        assert code == 0
        outputs.append(out)
    code, context, _ = memloci_cli(
        capsys, "prompt-context", "my gmail password, the door code and my card", "--json"
    )
    assert code == 0
    outputs.append(context)
    for output in outputs:
        for _, secret in SECRETS:
            # As a word: "4821" inside a score (0.48213) or an id is not the PIN.
            assert not re.search(rf"(?<![\w.]){re.escape(secret)}(?!\w)", output), secret
    assert "[REDACTED:password]" in dump and "[REDACTED:pin]" in dump
    assert "[REDACTED:stripe-key]" in dump and "[REDACTED:card]" in dump

    # What was said around a secret stays, and ordinary messages are stored as written.
    memloci = Memloci.open(home)
    try:
        summaries = {m.fields["summary"] for m in memloci.list(limit=100)}
    finally:
        memloci.close()
    assert set(ORDINARY) <= summaries
    assert "PIN [REDACTED:pin] for the card" in summaries
    assert "here it is: [REDACTED:password] (the password for gmail)" in summaries
    assert "my passphrase is [REDACTED:password]" in summaries
    assert json.loads(context)["items"]  # the block was built, from redacted memories
