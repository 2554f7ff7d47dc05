"""Settings → Privacy lists the AI assistants with access: adding one shows its token once
(and the configuration to paste), revoking stops it; a program connecting over MCP without a
token is approved (or not) in a prompt the desktop app shows by itself."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox

from tests.ui.conftest import wait_idle


@pytest.fixture
def page(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.privacy import PrivacyPage

    widget = PrivacyPage(bridge)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    return widget


def test_add_shows_the_token_once_and_revoke_stops_it(
    qtbot: Any, memloci: Any, bridge: Any, page: Any, when_modal: Any
) -> None:
    from app.ui.mcp_clients import PermissionsDialog, TokenDialog

    shown: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        assert isinstance(dialog, PermissionsDialog)
        dialog.name.setText("Cursor")
        dialog.boxes["ask"].setChecked(False)
        dialog.boxes["add"].setChecked(True)
        when_modal(copy_token)
        dialog.accept()

    def copy_token(dialog: Any) -> None:
        assert isinstance(dialog, TokenDialog)
        shown["token"] = dialog.token.text()
        shown["snippet"] = dialog.snippet.toPlainText()
        dialog.accept()

    page.load_rules()
    wait_idle(qtbot, bridge)
    assert page.clients.table.rowCount() == 0
    when_modal(fill)
    page.clients.add_button.click()
    qtbot.waitUntil(lambda: page.clients.table.rowCount() == 1 and "token" in shown)
    client = memloci.clients.identify(shown["token"])
    assert client.name == "Cursor" and client.permissions == {"read", "add"}
    assert '"MEMLOCI_CLIENT_TOKEN": "' + shown["token"] in shown["snippet"]
    table = page.clients.table
    assert [table.item(0, c).text() for c in range(3)] == ["Cursor", "active", "read, add"]
    table.selectRow(0)
    assert page.clients.revoke_button.isEnabled() and not page.clients.approve_button.isEnabled()

    def confirm(box: Any) -> None:
        assert isinstance(box, QMessageBox)
        next(b for b in box.buttons() if b.text() == "Revoke").click()

    when_modal(confirm)
    page.clients.revoke_button.click()
    qtbot.waitUntil(lambda: page.clients.table.rowCount() == 0)
    assert memloci.clients.identify(shown["token"]) is None


def test_a_program_waiting_for_approval_is_asked_about_by_itself(
    qtbot: Any, memloci: Any, bridge: Any, when_modal: Any
) -> None:
    from app.ui.mcp_clients import ApprovalDialog, ClientRequestWatcher

    request = memloci.clients.request("Claude", "/opt/Claude/claude")
    answers: list[str] = []

    def allow_reading_only(dialog: Any) -> None:
        assert isinstance(dialog, ApprovalDialog)
        texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
        assert "<b>Claude</b>" in texts and "/opt/Claude/claude" in texts
        assert dialog.deny.isDefault()  # Enter must not give access away
        dialog.boxes["ask"].setChecked(False)
        dialog.allow.click()

    watcher = ClientRequestWatcher(bridge)
    watcher.answered.connect(answers.append)
    when_modal(allow_reading_only)
    watcher.start()
    qtbot.waitUntil(lambda: answers == ["active"], timeout=10_000)
    watcher.stop()
    client = memloci.clients.status(request.id)
    assert client.status == "active" and client.permissions == {"read"}
    assert memloci.clients.launched("Claude", "/opt/Claude/claude") == client

    denied = memloci.clients.request("Zed", "/usr/bin/zed")
    when_modal(lambda dialog: dialog.deny.click())
    watcher.start()
    qtbot.waitUntil(lambda: answers == ["active", "denied"], timeout=10_000)
    watcher.stop()
    assert memloci.clients.status(denied.id).status == "denied"
