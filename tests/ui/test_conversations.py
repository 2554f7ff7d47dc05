"""Memloci's own conversations are kept apart (issue 21): a list to reopen, rename and delete,
kept across restarts; "New conversation" loses nothing and asks while an answer is coming;
Memloci's answers and the person's questions are not memories of what the person did, what the
person told Memloci is."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.domain import MemoryType, Source
from app.errors import NotFound
from app.views.browse import BrowseQuery
from tests.ui.conftest import wait_idle
from tests.ui.fakes import ScriptedModel


@pytest.fixture
def pane(qtbot: Any, memloci: Any, bridge: Any) -> Any:
    from app.ui.panes.chat import ChatPane

    # A configured model writes the answers these tests script (the bundled model's default is
    # answers composed from the memories); what is kept where is the same either way.
    memloci.save_settings(memloci.settings.with_value("model.answer_mode", "model"))
    widget = ChatPane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    return widget


def _episodic_texts(memloci: Any) -> list[str]:
    return [m.text for m in memloci.browse(BrowseQuery(types=(MemoryType.EPISODIC,)))]


def _ask(qtbot: Any, pane: Any, text: str) -> None:
    count = len(pane.turns)
    pane.send(text)
    qtbot.waitUntil(
        lambda: len(pane.turns) == count + 1 and pane.turns[-1].state != "streaming",
        timeout=10_000,
    )


def _listed(pane: Any) -> list[str]:
    items = pane.conversations.list
    return [items.item(n).text().split("\n")[0] for n in range(items.count())]


def _click(button_text: str) -> Any:
    def handler(dialog: Any) -> None:
        assert isinstance(dialog, QMessageBox)
        for button in dialog.buttons():
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no {button_text!r} in {[b.text() for b in dialog.buttons()]}")

    return handler


def test_answers_are_kept_with_the_conversation_not_as_memories(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci._parts.llm.use(ScriptedModel("Ana lives in Porto [1]."))
    pane.activated()
    _ask(qtbot, pane, "Where does Ana live?")
    _ask(qtbot, pane, "I moved to Braga last week")
    qtbot.waitUntil(lambda: _listed(pane) == ["Where does Ana live?"])
    texts = _episodic_texts(memloci)
    assert any(
        "I moved to Braga last week" in t for t in texts
    )  # what the person told Memloci stays
    assert not any("Ana lives in Porto" in t for t in texts)  # Memloci's answer is no memory
    assert not any("Where does Ana live?" in t for t in texts)  # nor is a question put to it
    kept = memloci.conversation_turns(pane.conversation_id)
    assert (kept[0].question, kept[0].answer) == (
        "Where does Ana live?",
        "Ana lives in Porto [1].",
    )
    assert kept[0].citations and kept[0].citations[0][1] == "Ana"


def test_new_conversation_keeps_the_old_one_and_reopens_it(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    memloci._parts.llm.use(ScriptedModel("I do not remember that."))
    pane.activated()
    _ask(qtbot, pane, "What did I cook on Sunday?")
    first_answer = pane.turns[0].answer  # whatever the checked answer came to
    qtbot.waitUntil(lambda: len(_listed(pane)) == 1)
    qtbot.mouseClick(pane.new_button, Qt.MouseButton.LeftButton)
    assert pane.turns == [] and "Ask anything" in pane.view.toPlainText()
    assert _listed(pane) == ["What did I cook on Sunday?"]  # nothing was wiped
    _ask(qtbot, pane, "Who is Mia?")
    qtbot.waitUntil(lambda: len(_listed(pane)) == 2)
    assert _listed(pane)[0] == "Who is Mia?"
    qtbot.mouseClick(
        pane.conversations.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=pane.conversations.list.visualItemRect(pane.conversations.list.item(1)).center(),
    )
    qtbot.waitUntil(lambda: [t.question for t in pane.turns] == ["What did I cook on Sunday?"])
    assert first_answer.strip() and first_answer.strip() in pane.view.toPlainText()
    # asking on in a reopened conversation continues it
    _ask(qtbot, pane, "And on Monday?")
    qtbot.waitUntil(lambda: _listed(pane)[0] == "What did I cook on Sunday?")
    assert len(memloci.conversations()) == 2


def test_new_conversation_asks_while_an_answer_is_coming(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    model = ScriptedModel(" ".join(f"w{n}" for n in range(300)), delay=0.02)
    memloci._parts.llm.use(model)
    pane.send("Tell me everything")
    # the model is writing (nothing is shown before a sentence passes the check)
    qtbot.waitUntil(lambda: pane.streaming and bool(model.prompts))
    when_modal(_click("Cancel"))
    qtbot.mouseClick(pane.new_button, Qt.MouseButton.LeftButton)
    assert len(pane.turns) == 1 and pane.streaming  # kept going: the person said no
    when_modal(_click("Stop and start new"))
    qtbot.mouseClick(pane.new_button, Qt.MouseButton.LeftButton)
    assert pane.turns == []
    qtbot.waitUntil(lambda: not pane.streaming, timeout=10_000)
    wait_idle(qtbot, bridge)
    assert pane.turns == []  # the stopped answer did not come back into the new one


def test_rename_and_delete_from_the_list(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    memloci._parts.llm.use(ScriptedModel("Noted."))
    pane.activated()
    _ask(qtbot, pane, "My locker at the gym is number 112")
    qtbot.waitUntil(lambda: len(_listed(pane)) == 1)
    listing = pane.conversations
    listing.list.setCurrentRow(0)
    listing.rename("Gym locker")
    qtbot.waitUntil(lambda: _listed(pane) == ["Gym locker"])
    listing.list.setCurrentRow(0)
    when_modal(_click("Cancel"))
    listing.delete()
    assert _listed(pane) == ["Gym locker"]
    listing.list.setCurrentRow(0)
    when_modal(_click("Delete"))
    listing.delete()
    qtbot.waitUntil(lambda: _listed(pane) == [] and pane.turns == [])
    assert memloci.conversations() == []
    told = _episodic_texts(memloci)
    assert any("My locker at the gym is number 112" in t for t in told)  # told: stays


def test_a_restart_finds_the_conversations(qtbot: Any, home: Any, memloci: Any) -> None:
    from app.core import Memloci

    memloci._parts.llm.use(ScriptedModel("I do not remember that."))
    session = memloci.start_chat()
    said = memloci.chat_turn(session, "What did I read on Friday?").answer
    memloci.close()
    again = Memloci.open(home)
    try:
        kept = again.conversations()
        assert [c.title for c in kept] == ["What did I read on Friday?"]
        reopened = again.start_chat(kept[0].id)
        assert reopened.turns == [("What did I read on Friday?", said)]
    finally:
        again.close()


def test_replies_kept_as_memories_before_are_moved_to_their_conversation(
    memloci: Any,
) -> None:
    asked = memloci.add("What did I do yesterday?", sources=[Source("chat", "memloci-0a1b:1:user")])
    reply = memloci.add(
        "You went to the pottery class [stopped]",
        sources=[Source("chat", "memloci-0a1b:1:memloci")],
    )
    told = memloci.add("I start at Hurtigruten", sources=[Source("chat", "memloci-0a1b:2:user")])
    kept = memloci.conversations()
    assert [(c.id, c.title, c.turns) for c in kept] == [
        ("memloci-0a1b", "What did I do yesterday?", 1)
    ]
    turn = memloci.conversation_turns("memloci-0a1b")[0]
    assert turn.state == "stopped" and "pottery" in turn.answer
    for gone in (asked.id, reply.id):
        with pytest.raises(NotFound):
            memloci.get(gone)
    assert memloci.get(told.id).fields["summary"] == "I start at Hurtigruten"
