"""A ChatGPT export's tool traffic is not conversation: code-interpreter cells and their
output, browsing (2023's browser tool and 2025's web.run), DALL-E prompts and results, memory
("bio") and canvas calls, tool errors and reasoning are left out; the person's and ChatGPT's
turns, voice messages by their transcript, are imported. The fixture has the shape of real
exports (tests/data/chatgpt-tools/conversations.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.importers.chatgpt import read_chatgpt

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "chatgpt-tools" / "conversations.json"

TURNS = [
    ("user", "Here are my expenses for March. Which category did I spend the most on?"),
    ("ChatGPT", "Let me look at the file."),
    (
        "ChatGPT",
        "You spent the most on rent (1,200.00 EUR), then groceries (412.50 EUR). "
        "I drew a bar chart of all categories.",
    ),
    ("user", "Thanks, that helps with the budget."),
    ("user", "What will the weather be like in Lisbon this weekend?"),
    ("ChatGPT", "Saturday looks sunny at about 24 degrees; Sunday will probably bring showers."),
    ("user", "Is the Gulbenkian museum open on Monday?"),
    ("ChatGPT", "Yes, it is open on Monday from 10:00 to 18:00; it closes on Tuesdays."),
    ("user", "Draw my cat Pixel as a watercolor, she is grey with white paws."),
    ("ChatGPT", "Here is Pixel as a soft watercolor."),
    ("user", "Please remember that Pixel is a Maine Coon."),  # spoken: the transcript
    ("ChatGPT", "Got it, I will remember that Pixel is a Maine Coon."),
    ("user", "Write a short poem about her in a document."),
    ("ChatGPT", "I wrote a short poem about Pixel in the document."),
]

# Words only the tool traffic holds: none may reach a memory, the agents' queue or search.
TOOL_ONLY = [
    "pandas",  # code cell
    "dtype",  # execution output
    "matplotlib",
    "Lisbon weather forecast",  # search("...") to the browser
    "mclick",
    "IPMA",  # browsing display and quote
    "search_query",  # web.run call
    "Tuesdays, 10:00",  # web.run result snippet
    "soft washes",  # DALL-E prompt
    "displayed 1 images",  # DALL-E's note to the model
    "Model set context",  # memory tool
    "Maine Coon with white paws",  # what was written to ChatGPT's memory
    "paws of snow",  # canvas document
    "textdoc_id",
    "sandbox timed out",  # tool error
    "search the official site",  # reasoning
    "Thought for 9 seconds",
    "I live in Porto",  # custom instructions
]


def test_only_the_turns_of_the_conversation_are_read() -> None:
    messages = read_chatgpt(FIXTURE)
    assert [(m.speaker, m.text) for m in messages] == TURNS
    assert messages[0].attachments == ({"name": "expenses-march.csv"},)
    assert len({m.conversation for m in messages}) == 3


def test_the_cli_imports_no_tool_traffic(capsys: pytest.CaptureFixture[str], memloci) -> None:
    with pytest.raises(SystemExit) as done:
        main(["import-chat", str(FIXTURE), "--json"])
    assert done.value.code == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert (result["messages"], result["imported"], result["conversations"]) == (14, 14, 3)
    texts = [m.text for m in memloci.list(limit=100)]
    assert len(texts) == 14
    payloads = [
        row["payload"] for row in memloci._parts.database.query("SELECT payload FROM work_queue")
    ]
    assert len(payloads) == 14
    for word in TOOL_ONLY:
        assert not [t for t in texts if word in t], word
        assert not [p for p in payloads if word in p], word

    def actor(text: str) -> str:
        """Who said the one imported message holding `text` (found, not ranked: the person's
        transcript and the assistant's echo of it match a search for its words equally)."""
        (memory,) = [m for m in memloci.list(limit=100) if text in m.text]
        assert [h for h in memloci.search(text) if h.id == memory.id], text  # and it is found
        return str(memory.fields["actor"])

    # a voice message, by its transcript
    assert actor("Please remember that Pixel is a Maine Coon") == "user"
    assert actor("You spent the most on rent") == "ChatGPT"  # the answer after the code ran


def conversation_with(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The fixture's first conversation with `message` (a node's message) appended."""
    conversation = copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8"))[0])
    last = conversation["current_node"]
    message = {"id": "added", "create_time": 1712700000.0, **message}
    conversation["mapping"]["added"] = {
        "id": "added",
        "message": message,
        "parent": last,
        "children": [],
    }
    conversation["mapping"][last]["children"].append("added")
    conversation["current_node"] = "added"
    return [conversation]


ASSISTANT = {"role": "assistant", "name": None, "metadata": {}}


def said(text: str, role: str = "assistant", **extra: Any) -> dict[str, Any]:
    author = {"role": role, "name": extra.pop("name", None), "metadata": {}}
    return {"author": author, "content": {"content_type": "text", "parts": [text]}, **extra}


def tool_content(kind: str, text: str) -> dict[str, Any]:
    return {"author": ASSISTANT, "content": {"content_type": kind, "text": text}}


TOOL_TRAFFIC = {
    # Addressed to a tool, whatever the content type.
    "to python": said("x = 1", recipient="python"),
    "to a plugin": said('{"q": "a"}', recipient="MyPlugin.lookup"),
    # Tool content from the assistant, even when addressed to everyone.
    "code": {**tool_content("code", "print(2)"), "recipient": "all"},
    "execution output": tool_content("execution_output", "2"),
    "tether quote": tool_content("tether_quote", "quoted page"),
    "browsing display": tool_content("tether_browsing_display", "results"),
    # A tool's reply, in any content type.
    "tool reply": said("raw page", role="tool", name="web.run", recipient="all"),
    # Reasoning models' hidden channels.
    "analysis channel": said("thinking", channel="analysis"),
    "commentary channel": said("calling a tool", channel="commentary"),
}


@pytest.mark.parametrize("message", TOOL_TRAFFIC.values(), ids=TOOL_TRAFFIC.keys())
def test_each_kind_of_tool_traffic_is_left_out(tmp_path: Path, message: dict[str, Any]) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(conversation_with(message)), encoding="utf-8")
    assert [(m.speaker, m.text) for m in read_chatgpt(path)] == TURNS[:4]


def test_a_final_answer_on_the_final_channel_is_kept(tmp_path: Path) -> None:
    message = said("You saved 80 EUR on transport.", recipient="all", channel="final")
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(conversation_with(message)), encoding="utf-8")
    assert read_chatgpt(path)[-1].text == "You saved 80 EUR on transport."
