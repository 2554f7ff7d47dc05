"""Importing a chat in the app (issue 21): drop a JSON Lines file or a ChatGPT export on the
window, see what it holds, say which speaker is you, and it comes in with progress; cancelling
stores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.domain import MemoryType
from app.views.browse import BrowseQuery
from tests.ui.conftest import wait_idle

CHATGPT = Path(__file__).resolve().parents[1] / "data" / "chatgpt-tools" / "conversations.json"


def chat_file(tmp_path: Path) -> Path:
    lines = [
        ("D1:1", "me", "Are you coming to the pottery class?", "2023-05-04T11:58:00Z"),
        (
            "D1:2",
            "Jonas",
            "Yes! I started at Hurtigruten, so Thursdays work",
            "2023-05-04T12:00:00Z",
        ),
        ("D1:3", "Jonas", "See you at six", "2023-05-04T12:01:00Z"),
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": i, "conversation": "D1", "speaker": s, "text": t, "timestamp": at})
            for i, s, t, at in lines
        )
        + "\n"
    )
    return path


def drop(window: Any, path: Path) -> bool:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(
        QPoint(50, 50).toPointF(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    return True


def test_a_dropped_chat_is_imported_after_saying_who_you_are(
    qtbot: Any, controller: Any, tmp_path: Path, when_modal: Any
) -> None:
    from app.ui.import_flow import ImportDialog

    seen: dict[str, Any] = {}

    def answer(dialog: Any) -> None:
        assert isinstance(dialog, ImportDialog)
        seen["text"] = dialog.findChildren(type(dialog.ok.parent().parent()))
        seen["summary"] = " ".join(
            label.text()
            for label in dialog.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QLabel)
        )
        seen["speakers"] = [dialog.speakers.item(n).text() for n in range(dialog.speakers.count())]
        seen["preselected"] = dialog.me()
        dialog.ok.click()

    when_modal(answer)
    assert drop(controller.window, chat_file(tmp_path))
    memloci = controller.memloci
    status = controller.window.statusBar()
    qtbot.waitUntil(lambda: "Imported 3 messages" in status.currentMessage(), timeout=10_000)
    assert "3 messages in 1 conversation" in seen["summary"]
    assert "4 May 2023" in seen["summary"]
    assert seen["speakers"] == ["Jonas — 2 messages", "me — 1 message"]
    assert seen["preselected"] == "me"
    episodes = memloci.browse(BrowseQuery(types=(MemoryType.EPISODIC,)))
    assert len(episodes) == 3
    assert "me" in memloci.settings.agents.person_names


def test_a_chatgpt_export_asks_and_cancelling_stores_nothing(
    qtbot: Any, controller: Any, when_modal: Any
) -> None:
    seen: dict[str, Any] = {}

    def cancel(dialog: Any) -> None:
        seen["speakers"] = [
            dialog.speakers.item(n).data(Qt.ItemDataRole.UserRole)
            for n in range(dialog.speakers.count())
        ]
        dialog.reject()

    when_modal(cancel)
    assert drop(controller.window, CHATGPT)
    qtbot.waitUntil(lambda: "speakers" in seen, timeout=10_000)
    wait_idle(qtbot, controller.bridge)
    assert seen["speakers"]
    assert controller.memloci.browse(BrowseQuery()) == []
    assert controller.window.statusBar().currentMessage() == "Nothing was imported."


def test_other_files_are_not_taken(controller: Any, tmp_path: Path) -> None:
    picture = tmp_path / "holiday.png"
    picture.write_bytes(b"\x89PNG")
    assert not drop(controller.window, picture)
