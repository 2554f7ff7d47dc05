"""The autofill popup, the clipboard guard, the approval dialog and `install_autofill`, driven
with pytest-qt on the offscreen platform over a real store."""

from __future__ import annotations

import os
import socket
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QClipboard, QGuiApplication

from app.autofill.approval import ApprovalItem, ApprovalRequest
from app.autofill.window import WindowContext
from app.ui.approval import ApprovalDialog, QtApprover, passphrase_checker
from app.ui.autofill_clipboard import SECRET_HINT, ClipboardGuard
from app.ui.autofill_log import DisclosureLogView
from app.ui.autofill_popup import AutofillPopup, install_autofill
from tests.conftest import PASSPHRASE

PASSPORT = "P1234567"
CARD = "4111 1111 1111 1111"
CONTEXT = WindowContext("Firefox", "Checkout — shop.example", "https://shop.example/checkout", 0)


@pytest.fixture
def store(memloci):
    memloci.add(
        "Name: Ana Silva\nE-mail: ana@example.pt\nPhone: +351 912 345 678\n"
        "Address: Rua das Flores 12, 4050-262 Porto, Portugal",
        type="core",
        fields={"label": "human"},
    )
    memloci.add("Trip to Porto in May: flights booked with TAP", type="episodic")
    for caption, secret, level in (
        ("Passport number", PASSPORT, "medium"),
        ("Credit card number", CARD, "high"),
    ):
        memloci.add(
            None,
            type="vault",
            fields={"caption": caption, "secret_value": secret, "sensitivity": level},
        )
    return memloci


def clipboard() -> str:
    return QGuiApplication.clipboard().text(QClipboard.Mode.Clipboard)


@pytest.fixture
def popup(qtbot, store):
    typed: list[tuple[str, int]] = []
    widget = AutofillPopup(
        store,
        clipboard_seconds=30,
        typist=lambda text, expect=None: typed.append((text, expect.window_id if expect else 0)),
    )
    widget.typed = typed
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def rows(popup: AutofillPopup) -> list[str]:
    return [popup.list.item(i).text() for i in range(popup.list.count())]


def test_the_popup_offers_everyday_values_for_the_window(qtbot, popup) -> None:
    popup.open_at(CONTEXT)
    assert popup.isVisible() and "Checkout" in popup.where.text()
    qtbot.waitUntil(lambda: popup.list.count() >= 4, timeout=5_000)
    text = "\n".join(rows(popup))
    for value in ("Ana Silva", "ana@example.pt", "+351 912 345 678", "Rua das Flores 12"):
        assert value in text
    assert PASSPORT not in text and CARD not in text


def test_typing_filters_and_copying_clears_the_clipboard(qtbot, popup, store) -> None:
    popup.open_at(CONTEXT)
    qtbot.keyClicks(popup.filter, "passport number")
    qtbot.waitUntil(lambda: any("Passport number" in r for r in rows(popup)), timeout=5_000)
    assert "••••" in rows(popup)[0] and PASSPORT not in rows(popup)[0]
    popup.guard.seconds = 1
    with qtbot.waitSignal(popup.chosen, timeout=5_000) as chosen:
        popup.choose("copy")
    assert chosen.args == ["copied"] and not popup.isVisible()
    assert clipboard() == PASSPORT
    mime = QGuiApplication.clipboard().mimeData(QClipboard.Mode.Clipboard)
    assert bytes(mime.data(SECRET_HINT)) == b"secret"
    with qtbot.waitSignal(popup.guard.cleared, timeout=3_000):
        pass
    assert clipboard() == ""
    entry = store.autofill.disclosures()[0]
    assert (entry.channel, entry.recipient, entry.page) == (
        "popup",
        "clipboard",
        "https://shop.example/checkout",
    )
    assert (entry.title, entry.purpose, entry.approval) == (
        "Passport number",
        "passport number",
        "person",
    )


def test_a_value_copied_since_is_left_alone(qtbot) -> None:
    guard = ClipboardGuard(seconds=1)
    guard.copy("our value", secret=True)
    QGuiApplication.clipboard().setText("the person's own copy")
    with qtbot.waitSignal(guard.cleared, timeout=3_000):
        pass
    assert clipboard() == "the person's own copy"
    guard.copy("again")
    guard.clear()  # at quit: cleared at once
    assert clipboard() == "" and not guard.holding


def test_high_sensitivity_asks_for_the_passphrase_first(qtbot, popup) -> None:
    popup.open_at(CONTEXT)
    qtbot.keyClicks(popup.filter, "card number")
    qtbot.waitUntil(lambda: any("Credit card" in r for r in rows(popup)), timeout=5_000)
    popup.choose("copy")
    assert popup.passphrase.isVisible()
    popup.passphrase.setText("wrong passphrase")
    popup.passphrase.returnPressed.emit()
    qtbot.waitUntil(lambda: "passphrase" in popup.status.text().lower(), timeout=5_000)
    assert popup.isVisible() and clipboard() != CARD
    popup.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(popup.chosen, timeout=5_000):
        popup.passphrase.returnPressed.emit()
    assert clipboard() == CARD and not popup.passphrase.isVisible()


def test_typing_into_the_window_the_person_came_from(qtbot, popup) -> None:
    popup.open_at(WindowContext("Firefox", "Checkout", "", 4242))
    qtbot.keyClicks(popup.filter, "e-mail")
    qtbot.waitUntil(lambda: any("ana@example.pt" in r for r in rows(popup)), timeout=5_000)
    with qtbot.waitSignal(popup.chosen, timeout=5_000) as chosen:
        popup.choose("type")
    assert chosen.args == ["typed"] and popup.typed == [("ana@example.pt", 4242)]
    assert not popup.isVisible()


def test_context_for_this_prompt(qtbot, popup) -> None:
    popup.open_at(CONTEXT)
    popup.prompt_context()
    assert "Select the text" in popup.status.text()
    qtbot.keyClicks(popup.filter, "Help me plan my Porto trip and passport")
    with qtbot.waitSignal(popup.chosen, timeout=5_000) as chosen:
        popup.prompt_context()
    assert chosen.args == ["context"]
    text = clipboard()
    assert text.startswith("Context from my personal memory") and "memloci:" in text
    assert PASSPORT not in text and CARD not in text


def test_the_approval_dialog_from_a_worker_thread(qtbot, store) -> None:
    approver = QtApprover(verify=passphrase_checker(store))
    items = (
        ApprovalItem("a" * 16, "Passport number", "Passport no.", "medium"),
        ApprovalItem("b" * 16, "Credit card number", "Card number", "high"),
    )
    request = ApprovalRequest("Memloci browser extension", "https://shop.example/", items, 30)
    answers: list = []
    with qtbot.waitSignal(approver.shown, timeout=5_000) as shown:
        threading.Thread(target=lambda: answers.append(approver.approve(request))).start()
    dialog: ApprovalDialog = shown.args[0]
    assert dialog.passphrase.isVisible() and dialog.deny.isDefault()
    dialog.passphrase.setText("wrong passphrase")
    dialog.allow.click()
    assert dialog.isVisible() and "not right" in dialog.error.text()
    dialog.boxes[0][0].setChecked(False)  # the person allows the card only
    dialog.passphrase.setText(PASSPHRASE)
    dialog.passphrase.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter in the passphrase field allows
    qtbot.waitUntil(lambda: bool(answers), timeout=5_000)
    decision = answers[0]
    assert decision.approved == {"b" * 16} and decision.passphrase == PASSPHRASE
    assert PASSPHRASE not in repr(decision)


def test_the_approval_dialog_denies_and_times_out(qtbot) -> None:
    approver = QtApprover()
    item = ApprovalItem("a" * 16, "Passport number", "Passport no.", "medium")
    answers: list = []
    request = ApprovalRequest("a local program", "", (item,), 30)
    with qtbot.waitSignal(approver.shown, timeout=5_000) as shown:
        threading.Thread(target=lambda: answers.append(approver.approve(request))).start()
    shown.args[0].deny.click()
    qtbot.waitUntil(lambda: bool(answers), timeout=5_000)
    assert answers[0].approved == frozenset() and answers[0].reason == "denied"
    quick = ApprovalRequest("a local program", "", (item,), 1)
    threading.Thread(target=lambda: answers.append(approver.approve(quick))).start()
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=5_000)
    assert answers[1].reason == "timeout" and not answers[1].approved


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_install_autofill_wires_approver_popup_and_api(qtbot, store, monkeypatch) -> None:
    import http.client

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    port = free_port()
    store.save_settings(store.settings.with_value("autofill.api_port", port))
    handle = install_autofill(store, start_api=True)
    try:
        assert handle.hotkey is None and "no display" in handle.hotkey_error
        assert handle.server is not None and handle.server.port == port
        assert store._parts.autofill.get()._approver is handle.approver
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/v1/status", headers={"Authorization": f"Bearer {store.api_token()}"})
        assert conn.getresponse().status == 200
        handle.open_popup(CONTEXT)
        assert handle.popup.isVisible()
    finally:
        handle.stop()
    assert store._parts.autofill.get()._approver is not handle.approver
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_the_disclosure_log_view(qtbot, store) -> None:
    from app.autofill.disclosures import Recipient

    passport = store.list("vault")[-1]
    store.autofill.reveal(passport.id, Recipient("popup", "clipboard", "Checkout"), "Passport")
    view = DisclosureLogView(store)
    qtbot.addWidget(view)
    assert view.table.rowCount() == 1
    cells = [view.table.item(0, c).text() for c in range(view.table.columnCount())]
    assert "clipboard (popup)" in cells and "Passport" in cells
    assert any("you approved" in c for c in cells)
    assert not any(PASSPORT in c for c in cells)


def test_the_privacy_page_shows_the_log_without_the_popup(qtbot, store, bridge, when_modal):
    """Values handed out by `memloci serve` or the CLI show even when the popup is not
    installed (the settings pane built without a controller)."""
    from app.autofill.disclosures import Recipient
    from app.ui.panes.settings import SettingsPane

    passport = store.list("vault")[-1]
    store.autofill.reveal(passport.id, Recipient("cli", "terminal"), "Passport")
    pane = SettingsPane(bridge)
    qtbot.addWidget(pane)
    seen: list[int] = []

    def answer(dialog) -> None:
        seen.append(dialog.view.table.rowCount())
        dialog.accept()

    when_modal(answer)
    pane.privacy.show_disclosures()
    assert seen == [1]
