"""The Chat pane with the real chat agent and a scripted model: streaming, citations, stop, and
only checked text on screen (a model's sentence after it passed the grounding check, or an answer
built from memories), with a line saying which."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl

from tests.ui.fakes import ScriptedModel


def use(memloci: Any, model: Any) -> Any:
    """A configured model writes answers (the bundled model's default is memories only)."""
    memloci._parts.llm.use(model)
    memloci.save_settings(memloci.settings.with_value("model.answer_mode", "model"))
    return model


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
    model = use(memloci, ScriptedModel("Ana lives in Porto [1]. She likes the river.", delay=0.05))
    qtbot.keyClicks(pane.input, "Where does Ana live?")
    qtbot.keyClick(pane.input, Qt.Key.Key_Return)
    assert pane.stop_button.isEnabled() and not pane.send_button.isEnabled()
    # part of the answer is on screen before the model has finished
    qtbot.waitUntil(
        lambda: "Ana lives" in pane.view.toPlainText() and pane.streaming, timeout=20_000
    )
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
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    reply = " ".join(f"Ana likes {'la' * n}." for n in range(1, 400))
    use(memloci, ScriptedModel(reply, delay=0.02))
    pane.send("Tell me everything about Ana")
    qtbot.waitUntil(lambda: "lalala." in pane.turns[0].answer, timeout=20_000)
    qtbot.mouseClick(pane.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not pane.streaming, timeout=10_000)
    assert pane.turns[0].state == "stopped"
    assert "la" * 399 not in pane.turns[0].answer
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

    use(memloci, Broken(""))
    pane.send("Hello?")
    qtbot.waitUntil(lambda: pane.turns[0].state == "failed", timeout=10_000)
    assert "file is missing" in pane.view.toPlainText()
    assert pane.send_button.isEnabled()


def test_only_checked_sentences_ever_reach_the_screen(
    qtbot: Any, memloci: Any, pane: Any, monkeypatch: Any
) -> None:
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    reply = "Ana lives in Porto [1]. She moved there in 2019 with Zoltan. She likes the river."
    use(memloci, ScriptedModel(reply, delay=0.03))
    shown: list[str] = []
    paint = pane.view.setHtml

    def record(html: str) -> None:
        paint(html)
        shown.append(pane.view.toPlainText())

    monkeypatch.setattr(pane.view, "setHtml", record)
    pane.send("Where does Ana live?")
    qtbot.waitUntil(
        lambda: "Ana lives in Porto" in pane.view.toPlainText() and pane.streaming, timeout=20_000
    )
    qtbot.waitUntil(lambda: not pane.streaming, timeout=10_000)
    qtbot.waitUntil(lambda: "From: [1] Ana" in pane.view.toPlainText())
    assert shown and not any("2019" in text or "Zoltan" in text for text in shown)
    assert pane.turns[0].answer == "Ana lives in Porto [1]. She likes the river."
    note = pane.turns[0].note
    assert "each sentence was checked against your memories" in note
    assert "1 sentence of the model's answer was left out" in note
    assert note in pane.view.toPlainText()


def test_by_default_the_answer_is_built_from_memories(qtbot: Any, memloci: Any, pane: Any) -> None:
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    model = ScriptedModel("Ana lives in Lisbon since 1999.")
    memloci._parts.llm.use(model)  # the bundled model, settings as installed
    pane.activated()
    qtbot.waitUntil(lambda: pane.model_label.text() == "Answers: from your memories")
    assert "Nothing is generated" in pane.model_label.toolTip()
    pane.send("Where does Ana live?")
    qtbot.waitUntil(lambda: not pane.streaming, timeout=10_000)
    assert model.prompts == []  # no text was generated
    assert "Ana lives in Porto" in pane.turns[0].answer and "Lisbon" not in pane.turns[0].answer
    assert pane.turns[0].note.startswith("Built from your memories")
    pane.send("Who is Ana's dentist?")
    qtbot.waitUntil(lambda: len(pane.turns) == 2 and not pane.streaming, timeout=10_000)
    qtbot.waitUntil(lambda: "Closest memories (none answers)" in pane.view.toPlainText())
    assert pane.turns[1].answer.startswith("None of your memories says that.")
