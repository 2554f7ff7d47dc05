"""Issue 15 in the Memories pane: a record whose value a later message replaced shows the old
value, when and why it changed and a link to that message; the person's profile reads "About
you", never MIRIX's "human block". Through the real reader, pipeline and store (no model)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import QUrl

from app.domain import Source
from tests.unit.agent_helpers import START, enqueue_chat


def _read(memloci: Any) -> dict[str, str]:
    """Two chats five days apart: a new mobile and a move; Beatrix moves and gets a new phone.
    Returns the raw message memories' ids by message id."""
    memloci.save_settings(memloci.settings.with_value("agents.person_names", "Tomasz"))
    enqueue_chat(
        memloci,
        [
            ("me", "My mobile is +44 7700 900111 and I live in Leeds."),
            ("me", "My sister Beatrix lives in Gdansk; her birthday is on 14 February."),
        ],
    )
    memloci.agents.process_queue()
    enqueue_chat(
        memloci,
        [
            ("me", "My new mobile number is +44 7700 900222; I moved to York."),
            ("me", "Beatrix moved to Sopot."),
        ],
        start=START + timedelta(days=5),
        first=2,
    )
    memloci.agents.process_queue()
    raw = {}
    for n in range(4):
        (memory,) = [
            m
            for m in memloci.memories_from_source("chat", f"c1:{n}")
            if m.type.value == "episodic" and m.fields.get("event_type") == "chat"
        ]
        raw[f"c1:{n}"] = memory.id
    return raw


def _open(qtbot: Any, pane: Any, memory_id: str) -> str:
    pane.open_memory(memory_id)
    qtbot.waitUntil(lambda: pane.detail.memory is not None and pane.detail.memory.id == memory_id)
    qtbot.waitUntil(lambda: "History" in pane.detail.body.toPlainText(), timeout=10_000)
    return pane.detail.body.toPlainText()


def test_an_entity_shows_what_a_later_message_replaced_with_a_link_to_it(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    raw = _read(memloci)
    (beatrix,) = [m for m in memloci.list(type="semantic", limit=20) if m.title == "Beatrix"]
    text = _open(qtbot, pane, beatrix.id)
    assert "How it changed" in text
    section = text.split("How it changed", 1)[1].split("Where it came from", 1)[0]
    assert "Lives in" in section and "Gdansk" in section and "replaced by Sopot" in section
    assert "13 May 2023" in section  # when the message that changed it was said
    assert "8 May 2023" in section  # when the old value was said
    assert "c1:3" not in text and "chat:" not in text  # message ids stay inside
    html = pane.detail.body.toHtml()
    assert f"memloci:memory/{raw['c1:3']}" in html  # the message that changed it, as a link
    assert "Beatrix moved to Sopot" in section  # ... named by its words
    with qtbot.waitSignal(pane.detail.open_memory, timeout=2000) as opened:
        pane.detail.body.anchorClicked.emit(QUrl(f"memloci:memory/{raw['c1:3']}"))
    assert opened.args == [raw["c1:3"]]


def test_the_profile_is_about_you_and_shows_its_replaced_lines(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    raw = _read(memloci)
    block = memloci._parts.repo.core_block("human")
    assert block is not None and block.title == "About you"
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() > 0)
    titles = [pane.model.data(pane.model.index(r, 0)) for r in range(pane.model.rowCount())]
    assert "About you" in titles and not any("human" in t for t in titles)
    text = _open(qtbot, pane, block.id)
    assert pane.detail.title.text() == "About you"
    assert "human" not in text.lower()
    section = text.split("How it changed", 1)[1].split("Where it came from", 1)[0]
    assert "Mobile" in section and "+44 7700 900111" in section
    assert "replaced by +44 7700 900222" in section and "replaced by York" in section
    assert "13 May 2023" in section
    html = pane.detail.body.toHtml()
    assert f"memloci:memory/{raw['c1:2']}" in html
    assert f"memloci:memory/{raw['c1:0']}" in html  # where the old value was said


def test_a_record_nothing_replaced_has_no_change_section(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    memory = memloci.add(
        type="semantic",
        fields={"name": "Greta", "summary": "lives in Bergen", "kind": "person"}
        | {"slots": {"lives_in": [{"value": "Bergen", "source": "chat:m0"}]}},
        sources=[Source("chat", "m0")],
    )
    text = _open(qtbot, pane, memory.id)
    assert "Lives in: Bergen" in text and "How it changed" not in text
