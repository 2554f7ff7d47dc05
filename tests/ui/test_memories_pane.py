"""The Memories pane with the real core: tabs, lazy paging, sorting, search, detail, actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QLineEdit

from app.domain import Source
from app.memory.semantic import entity_text
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_idle


def titles(pane: Any) -> list[str]:
    model = pane.model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def click_header(qtbot: Any, pane: Any, column: int) -> None:
    header = pane.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def test_pages_load_as_the_table_scrolls(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(450):
        memloci.add(
            f"event {n:03d}", fields={"occurred_at": (start + timedelta(minutes=n)).isoformat()}
        )
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 200)
    assert pane.model.total == 450
    assert titles(pane)[0] == "event 449"  # newest first
    assert "450 memories" in pane.count.text()
    pane.table.scrollToBottom()
    qtbot.waitUntil(lambda: pane.model.rowCount() >= 400)
    pane.table.scrollToBottom()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 450)
    assert len(set(titles(pane))) == 450


def test_header_click_sorts_in_the_store(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    for name in ("Bruno", "ana", "Carla"):
        memloci.add(f"{name} is a friend", type="semantic", fields={"name": name})
    pane.tabs.setCurrentIndex(3)  # Semantic
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3)
    click_header(qtbot, pane, 0)
    qtbot.waitUntil(lambda: titles(pane) in (["ana", "Bruno", "Carla"], ["Carla", "Bruno", "ana"]))
    first = titles(pane)
    click_header(qtbot, pane, 0)
    qtbot.waitUntil(lambda: titles(pane) == list(reversed(first)))


def test_tabs_filters_and_search(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    memloci.add("Lunch with Ana at Taberna", sources=[Source("chat", "m1")])
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci.add("Deploy the site", type="procedural", fields={"steps": "build; push"})
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3)
    pane.tabs.setCurrentIndex(4)  # Procedural
    qtbot.waitUntil(lambda: titles(pane) == ["Deploy the site"])
    pane.tabs.setCurrentIndex(0)
    pane.source.setCurrentIndex(pane.source.findData("chat"))
    qtbot.waitUntil(lambda: titles(pane) == ["Lunch with Ana at Taberna"])
    pane.source.setCurrentIndex(0)
    qtbot.keyClicks(pane.search, "Porto")
    qtbot.waitUntil(lambda: titles(pane) == ["Ana"], timeout=5000)
    assert "1 memory found" in pane.count.text()


def test_detail_shows_provenance_and_history(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    message = memloci.add("Ana said she moved to Braga", sources=[Source("chat", "msg-7")])
    fact = memloci.add(
        "Ana lives in Porto",
        type="semantic",
        fields={"name": "Ana"},
        sources=[Source("chat", "msg-7")],
    )
    memloci.update(fact.id, "Ana lives in Braga", reason="she moved")
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    pane.open_memory(fact.id)
    qtbot.waitUntil(lambda: "History" in pane.detail.body.toPlainText())
    text = pane.detail.body.toPlainText()
    assert "msg-7" not in text and "a message you wrote in a chat" in text.lower()
    assert "Ana said she moved to Braga" in text  # the other memory from the same message
    assert "she moved" in text and "Ana lives in Porto → Ana lives in Braga" in text
    pane.detail._link(QUrl(f"memloci:memory/{message.id}"))
    qtbot.waitUntil(lambda: pane.detail.memory is not None and pane.detail.memory.id == message.id)


def test_edit_invalidate_restore_and_forget(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    fact = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    pane.select_row(0)

    def fill_edit(dialog: Any) -> None:
        summary = dialog.editors["summary"]
        summary.setPlainText("Ana lives in Braga")
        dialog.reason.setText("moved")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    when_modal(fill_edit)
    qtbot.mouseClick(pane.detail.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: memloci.get(fact.id).version == 2)
    assert memloci.history(fact.id)[-1].reason == "moved"

    def give_reason(dialog: Any) -> None:
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue("not true any more")
        dialog.accept()

    when_modal(give_reason)
    qtbot.mouseClick(pane.detail.invalidate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not memloci.get(fact.id).active)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 0)  # hidden unless asked for
    pane.invalid.setChecked(True)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    pane.select_row(0)
    assert pane.detail.invalidate_button.text() == "Restore"
    qtbot.mouseClick(pane.detail.invalidate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: memloci.get(fact.id).active)

    cancelled: list[bool] = []

    def cancel(dialog: Any) -> None:
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()
        cancelled.append(True)

    when_modal(cancel)
    qtbot.mouseClick(pane.detail.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cancelled == [True])
    wait_idle(qtbot, bridge)
    assert memloci.get(fact.id).active  # cancelled: nothing happened

    def confirm(dialog: Any) -> None:
        assert dialog.derived_list is None and dialog.kept_list is None  # nothing came from it
        dialog.forget_button.click()

    when_modal(confirm)
    qtbot.mouseClick(pane.detail.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: memloci.browse_count() == 0 and pane.model.rowCount() == 0)
    qtbot.waitUntil(lambda: pane.detail.memory is None)
    assert pane.detail.title.text() == "Select a memory"


def test_vault_is_masked_until_revealed_and_high_asks_the_passphrase(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    memloci.add(
        None,
        type="vault",
        fields={"caption": "Bank PIN", "secret_value": "4711", "sensitivity": "high"},
    )
    pane.tabs.setCurrentIndex(6)  # Vault
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    pane.select_row(0)
    qtbot.waitUntil(lambda: "History" in pane.detail.body.toPlainText())
    assert "4711" not in pane.detail.body.toPlainText()
    assert "••••••••" in pane.detail.body.toPlainText()
    assert pane.detail.reveal_button.isVisible()

    def wrong(dialog: Any) -> None:
        assert dialog.textEchoMode() == QLineEdit.EchoMode.Password
        dialog.setTextValue("not the passphrase")
        dialog.accept()

    when_modal(wrong)
    qtbot.mouseClick(pane.detail.reveal_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, bridge)
    assert "4711" not in pane.detail.body.toPlainText()

    def right(dialog: Any) -> None:
        dialog.setTextValue(PASSPHRASE)
        dialog.accept()

    when_modal(right)
    qtbot.mouseClick(pane.detail.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "4711" in pane.detail.body.toPlainText())
    qtbot.mouseClick(pane.detail.reveal_button, Qt.MouseButton.LeftButton)  # Hide
    assert "4711" not in pane.detail.body.toPlainText()
    pane.detail._hide_timer.setInterval(100)  # revealed secrets hide by themselves (30 s)
    when_modal(right)
    qtbot.mouseClick(pane.detail.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "4711" in pane.detail.body.toPlainText())
    qtbot.waitUntil(lambda: "4711" not in pane.detail.body.toPlainText(), timeout=3000)
    assert pane.detail.reveal_button.text() == "Reveal"


def test_new_memory_form(qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any) -> None:
    def write(dialog: Any) -> None:
        dialog.type_box.setCurrentIndex(2)  # semantic
        dialog.editors["name"].setText("Porto")
        dialog.editors["summary"].setPlainText("A city in the north of Portugal")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    when_modal(write)
    qtbot.mouseClick(pane.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: memloci.browse_count() == 1)
    qtbot.waitUntil(lambda: titles(pane) == ["Porto"])
    assert memloci.list()[0].type.value == "semantic"


def test_restricting_to_ids_from_another_pane(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    keep = memloci.add("kept one")
    memloci.add("other one")
    pane.show_ids([keep.id], "From the timeline")
    qtbot.waitUntil(lambda: titles(pane) == ["kept one"])
    assert pane.chip.isVisible() and "From the timeline" in pane.chip.text()
    qtbot.mouseClick(pane.chip, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)


def test_changes_are_drawn_from_the_change_event_without_fetching_again(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A memory captured, changed or forgotten elsewhere reaches the table as a change set:
    the rows that changed are drawn, nothing is fetched from the store again."""
    from app.store.writer import Initiator

    older = memloci.add("Older event", fields={"occurred_at": "2024-01-01T10:00:00+00:00"})
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    wait_idle(qtbot, bridge)
    fetched: list[str] = []
    for name in ("browse", "browse_count", "search", "get"):
        original = getattr(memloci, name)
        monkeypatch.setattr(
            memloci, name, lambda *a, _n=name, _o=original, **k: fetched.append(_n) or _o(*a, **k)
        )
    new = memloci.add(
        "Reading the budget",
        fields={"occurred_at": datetime.now(UTC).isoformat()},
        sources=[Source("screen", "s1")],
        actor="system:capture",
        initiator=Initiator.CAPTURE,
    )
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    assert titles(pane) == ["Reading the budget", "Older event"]  # newest first, in place
    assert pane.model.total == 2 and "2 memories" in pane.count.text()
    memloci.update(older.id, "Older event, corrected")
    qtbot.waitUntil(lambda: "Older event, corrected" in titles(pane))
    memloci.forget(new.id)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    qtbot.wait(500)  # longer than the pane's calm-refresh delay
    assert fetched == []
    assert pane.model.total == 1


def test_a_new_memory_outside_the_filter_is_not_shown(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    pane.tabs.setCurrentIndex(3)  # Semantic
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    memloci.add("An episode, not a fact")
    memloci.add("Rui lives in Braga", type="semantic", fields={"name": "Rui"})
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    qtbot.wait(300)
    assert sorted(titles(pane)) == ["Ana", "Rui"]


def test_a_found_record_lists_the_message_the_search_was_about_first(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    """An entity gathered from many messages: "Where it came from" starts with the message that
    said what was searched for, not the first that named the person (issue 15)."""
    said = {"lives_in": "Lviv", "email": "dmytro@example.com", "birthday": "3 October"}
    slots = {
        key: [{"value": value, "source": f"chat:m{n}"}]
        for n, (key, value) in enumerate(said.items())
    }
    summary, details = entity_text("brother", slots)
    memloci.add(
        type="semantic",
        fields={"name": "Dmytro", "summary": summary, "details": details, "kind": "person"}
        | {"slots": slots},
        sources=[Source("chat", f"m{n}") for n in range(len(said))],
    )
    memloci.add("Lunch with Ana at Taberna")  # two memories listed, one found
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    qtbot.keyClicks(pane.search, "birthday")
    qtbot.waitUntil(lambda: "1 memory found" in pane.count.text(), timeout=5000)
    pane.table.selectRow(0)
    qtbot.waitUntil(lambda: "Where it came from" in pane.detail.body.toPlainText())
    shown = pane.detail.memory
    assert shown is not None and [s.ref for s in shown.sources] == ["m2", "m0", "m1"]
    text = pane.detail.body.toPlainText()
    assert text.count("A chat, ") == 3  # every source listed, the one about the birthday first


def test_an_entity_reads_as_facts_not_as_stored_fields(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    """The reader's slots (issue 15) read as sentences with what they replaced; no raw field
    dump, no slot keys, no message ids (issue 21's plain words)."""
    slots = {
        "lives_in": [
            {"value": "Porto", "source": "chat:m0", "current": False, "said_at": None},
            {"value": "Braga", "source": "chat:m1"},
        ],
        "phone": [{"value": "555 0100", "label": "mobile", "source": "chat:m2"}],
    }
    summary, details = entity_text("sister", slots)
    memloci.add(
        type="semantic",
        fields={"name": "Beatrix", "summary": summary, "details": details, "kind": "person"}
        | {"slots": slots},
        sources=[Source("chat", f"m{n}") for n in range(3)],
    )
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    pane.table.selectRow(0)
    qtbot.waitUntil(lambda: "Where it came from" in pane.detail.body.toPlainText())
    text = pane.detail.body.toPlainText()
    assert "Lives in: Braga (before: Porto)" in text
    assert "Phone (mobile): 555 0100" in text
    assert "lives_in" not in text and "[m0]" not in text and "'current'" not in text
