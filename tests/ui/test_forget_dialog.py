"""Forgetting from the Memories pane (issue 13, item 6): the dialog lists the memories made from
the one being forgotten and asks (forget them too by default, or keep them), lists what stays
without it as a source, and the store then matches the choice."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QListWidget

from app.domain import Source
from app.errors import NotFound
from tests.ui.conftest import wait_idle

M1, M2 = Source("chat", "c1:1"), Source("chat", "c1:2")


@pytest.fixture
def chat(memloci: Any) -> dict[str, Any]:
    """A chat message, what the agents made only from it, and a fact another message shares."""
    message = memloci.add(
        "I adopted a greyhound called Pimenta",
        fields={"actor": "Ana", "event_type": "chat"},
        sources=[M1],
        actor="import",
    )
    memloci.add(
        "Pimenta runs fast",
        fields={"actor": "Ana", "event_type": "chat"},
        sources=[M2],
        actor="import",
    )
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
    return {"message": message, "only": only, "both": both}


def gone(memloci: Any, memory_id: str) -> bool:
    try:
        memloci.get(memory_id)
    except NotFound:
        return True
    return False


def select(qtbot: Any, pane: Any, memory_id: str) -> None:
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() >= 2)
    pane.open_memory(memory_id)
    qtbot.waitUntil(lambda: pane.detail.memory is not None and pane.detail.memory.id == memory_id)


def texts(dialog: Any, name: str) -> list[str]:
    widget = dialog.findChild(QListWidget, name)
    assert widget is not None, f"the dialog has no {name} list"
    return [widget.item(row).text() for row in range(widget.count())]


def test_the_dialog_lists_what_came_from_it_and_forgets_it_too_by_default(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any, chat: dict
) -> None:
    select(qtbot, pane, chat["message"].id)
    seen: dict[str, Any] = {}

    def answer(dialog: Any) -> None:
        try:  # what the dialog shows; any failure still closes it (Cancel) so the test goes on
            seen["derived"] = texts(dialog, "derived")
            seen["kept"] = texts(dialog, "kept")
            seen["cascade"] = dialog.cascade_button.isChecked()
            qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
        finally:
            if dialog.isVisible():
                dialog.reject()

    when_modal(answer)
    qtbot.mouseClick(pane.detail.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gone(memloci, chat["message"].id), timeout=10_000)
    (derived,) = seen["derived"]
    assert derived.startswith("semantic · ") and "greyhound called Pimenta" in derived
    (kept,) = seen["kept"]
    assert kept.startswith("semantic · ") and "Pimenta is a fast greyhound" in kept
    assert seen["cascade"] is True
    assert gone(memloci, chat["only"].id)
    assert memloci.get(chat["both"].id).sources == (M2,)
    wait_idle(qtbot, bridge)
    qtbot.waitUntil(lambda: pane.detail.memory is None)
    shown = {pane.model.memory(row).id for row in range(pane.model.rowCount())}
    assert chat["message"].id not in shown and chat["only"].id not in shown
    # The memory that stayed says in its history which source was forgotten.
    pane.open_memory(chat["both"].id)
    # In words (no raw action key, no message ids): "Source forgotten by you — its chat source
    # was forgotten", then "no longer from a chat".
    qtbot.waitUntil(lambda: "Source forgotten by" in pane.detail.body.toPlainText())
    body = pane.detail.body.toPlainText()
    assert "source_forgotten" not in body.lower()
    assert "its chat source was forgotten" in body and "no longer from a chat" in body


def test_keeping_the_derived_memories_keeps_them_without_the_source(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any, chat: dict
) -> None:
    select(qtbot, pane, chat["message"].id)

    chosen: list[bool] = []

    def keep(dialog: Any) -> None:
        try:
            dialog.keep_button.click()
            chosen.append(dialog.cascade())
            dialog.forget_button.click()
        finally:
            if dialog.isVisible():
                dialog.reject()

    when_modal(keep)
    qtbot.mouseClick(pane.detail.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gone(memloci, chat["message"].id), timeout=10_000)
    assert chosen == [False]
    kept = memloci.get(chat["only"].id)
    assert M1 not in kept.sources and kept.sources  # marked as kept by the person
    assert memloci.get(chat["both"].id).sources == (M2,)
    wait_idle(qtbot, bridge)


def test_cancel_changes_nothing(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any, chat: dict
) -> None:
    select(qtbot, pane, chat["message"].id)
    answered: list[bool] = []

    def cancel(dialog: Any) -> None:
        listed = dialog.findChild(QListWidget, "derived")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()
        answered.append(listed is not None and listed.count() == 1)

    when_modal(cancel)
    qtbot.mouseClick(pane.detail.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answered == [True])
    wait_idle(qtbot, bridge)
    for memory in chat.values():
        assert memloci.get(memory.id).version == 1
