"""The app says what happens to Memloci's own conversations: an erase of a span asks about
the turns asked then (even when no memory goes), and a backup says it holds them. Real
facade, offscreen Qt."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from app.domain import utcnow
from app.erase.selection import Selection
from app.store.conversations import ConversationStore
from tests.ui.conftest import wait_idle


def test_erasing_a_span_with_only_turns_in_it_asks_and_erases_them(
    qtbot: Any, memloci: Any, bridge: Any, when_modal: Any
) -> None:
    from PySide6.QtWidgets import QWidget

    from app.ui.erase_dialog import EraseDialog, EraseFlow

    store = ConversationStore(memloci._parts.database)
    store.add_turn("memloci-old", "Where does Ana live?", "In Porto.", at=utcnow() - timedelta(2))
    store.add_turn("memloci-new", "What is my locker code?", "I do not remember that.")
    store.add_turn("memloci-new", "And the bike lock?", "I do not remember that either.")
    parent = QWidget()
    qtbot.addWidget(parent)
    flow = EraseFlow(bridge, parent)
    seen: dict[str, Any] = {}

    def answer(dialog: Any) -> None:
        assert isinstance(dialog, EraseDialog)
        seen["heading"] = dialog.heading.text()
        button = getattr(dialog, "erase_button", None)
        button.click() if button is not None else dialog.reject()

    when_modal(answer)
    said: list[str] = []
    flow.message.connect(said.append)
    flow.start(Selection.last("15m"), "Recorded in the last 15 minutes")
    qtbot.waitUntil(lambda: "heading" in seen, timeout=10_000)
    wait_idle(qtbot, bridge)
    assert seen["heading"] == "Erase 2 turns of your conversations with Memloci for good?"
    qtbot.waitUntil(lambda: any(m.startswith("Erased") for m in said), timeout=10_000)
    assert [c.id for c in memloci.conversations()] == ["memloci-old"]
    assert said[-1] == "Erased 2 turns of your conversations with Memloci."


def test_the_erase_dialog_counts_turns_beside_memories(qtbot: Any, memloci: Any) -> None:
    from app.ui.erase_dialog import EraseDialog

    ConversationStore(memloci._parts.database).add_turn("memloci-a", "Who is Mia?", "A friend.")
    memloci.add("Lunch with Ana")
    plan = memloci.data.erase_preview(Selection.last("15m"))
    dialog = EraseDialog(plan, "Recorded in the last 15 minutes")
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == (
        "Erase 1 memory and 1 turn of your conversations with Memloci for good?"
    )
    assert dialog.erase_button.text() == "Erase 1 memory and 1 turn"


def test_a_backup_says_it_holds_the_conversations(
    qtbot: Any, memloci: Any, bridge: Any, tmp_path: Path
) -> None:
    from app.ui.panes.backup_box import BackupBox

    store = ConversationStore(memloci._parts.database)
    for n in range(3):
        store.add_turn(f"memloci-{n % 2}", f"Question {n}?", "An answer.")
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    said: list[str] = []
    box = BackupBox(bridge, said.append)
    qtbot.addWidget(box)
    box.back_up(str(tmp_path / "b.mlb"), "backup words 1")
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert said[-1].startswith("Backed up 1 memory and 2 conversations with Memloci to b.mlb")
    memloci.delete_conversation("memloci-0")
    box.restore(str(tmp_path / "b.mlb"), "backup words 1")
    qtbot.waitUntil(lambda: len(said) >= 2, timeout=10_000)
    assert said[-1] == (
        "Restored: 0 added, 0 updated, 1 already up to date; 1 conversation with Memloci "
        "brought back."
    )
