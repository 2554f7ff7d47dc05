"""The Chat pane with the real chat agent and a scripted model: streaming, citations, stop."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl

from tests.ui.fakes import ScriptedModel


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.chat import ChatPane

    widget = ChatPane(bridge)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    return widget


def test_answer_streams_with_citation_links(qtbot: Any, memloci: Any, pane: Any) -> None:
    fact = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    model = ScriptedModel("Ana lives in Porto [1].", delay=0.05)
    memloci._parts.llm.use(model)
    qtbot.keyClicks(pane.input, "Where does Ana live?")
    qtbot.keyClick(pane.input, Qt.Key.Key_Return)
    assert pane.stop_button.isEnabled() and not pane.send_button.isEnabled()
    # part of the answer is on screen before the model has finished
    qtbot.waitUntil(lambda: "Ana lives" in pane.view.toPlainText() and pane.streaming)
    qtbot.waitUntil(lambda: not pane.streaming, timeout=10_000)
    qtbot.waitUntil(lambda: "From: [1] Ana" in pane.view.toPlainText())
    text = pane.view.toPlainText()
    assert "Where does Ana live?" in text and "Ana lives in Porto" in text
    assert pane.send_button.isEnabled() and not pane.stop_button.isEnabled()
    assert pane.turns[0].citations == [(fact.id, "Ana")]
    assert f'href="memloci:memory/{fact.id}"' in pane.view.toHtml()
    with qtbot.waitSignal(pane.open_memory) as opened:
        pane._link(QUrl(f"memloci:memory/{fact.id}"))
    assert opened.args == [fact.id]
    assert "Ana" in model.prompts[0][-1]["content"]  # the memory was in the prompt


def test_stop_ends_the_answer_where_it_is(qtbot: Any, memloci: Any, pane: Any) -> None:
    memloci._parts.llm.use(ScriptedModel(" ".join(f"word{n}" for n in range(400)), delay=0.02))
    pane.send("Tell me everything")
    qtbot.waitUntil(lambda: "word3" in pane.turns[0].answer)
    qtbot.mouseClick(pane.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not pane.streaming, timeout=10_000)
    assert pane.turns[0].state == "stopped"
    assert "word399" not in pane.turns[0].answer
    assert "stopped" in pane.view.toPlainText()
    assert pane.send_button.isEnabled()


def test_example_questions_and_new_conversation(qtbot: Any, memloci: Any, pane: Any) -> None:
    memloci._parts.llm.use(ScriptedModel("I do not remember anything about that."))
    assert "Ask anything about your memory" in pane.view.toPlainText()
    pane._link(QUrl("ask:0"))
    qtbot.waitUntil(lambda: not pane.streaming and pane.turns and pane.turns[0].state == "done")
    assert pane.turns[0].question == "What did I do yesterday?"
    qtbot.mouseClick(pane.new_button, Qt.MouseButton.LeftButton)
    assert pane.turns == [] and pane.session is None
    assert "Ask anything" in pane.view.toPlainText()


def test_a_failing_model_says_so(qtbot: Any, memloci: Any, pane: Any) -> None:
    class Broken(ScriptedModel):
        def complete(self, *args: Any, **kwargs: Any) -> Any:
            from app.errors import MemlociError

            raise MemlociError("The language model is not available: the file is missing.")

    memloci._parts.llm.use(Broken(""))
    pane.send("Hello?")
    qtbot.waitUntil(lambda: pane.turns[0].state == "failed", timeout=10_000)
    assert "file is missing" in pane.view.toPlainText()
    assert pane.send_button.isEnabled()
