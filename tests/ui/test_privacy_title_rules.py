"""The Privacy pane's live check gives capture's answer for a password manager's title shown by
another application, and its rule list shows the title rules (also on a store made before them)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def page(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.privacy import PrivacyPage

    widget = PrivacyPage(bridge)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    return widget


def test_a_terminal_titled_like_a_password_manager_is_never_captured(
    qtbot: Any, memloci: Any, page: Any
) -> None:
    from app.capture.context import WindowContext

    page.load_rules()
    qtbot.waitUntil(lambda: page.rules.rowCount() > 10)
    patterns = {page.rules.item(r, 1).text() for r in range(page.rules.rowCount())}
    assert {"*keepass*", "*bitwarden*", "*1password*"} <= patterns
    qtbot.keyClicks(page.check_app, "xterm")
    qtbot.keyClicks(page.check_title, "Passwords - KeePassXC")
    qtbot.waitUntil(lambda: "Never captured" in page.check_result.text())
    _, why = memloci.capture.would_capture(
        WindowContext.of(app="xterm", title="Passwords - KeePassXC")
    )
    assert "*keepass*" in why and why in page.check_result.text()  # capture's own answer
    page.check_title.clear()
    qtbot.keyClicks(page.check_title, "~/src")
    qtbot.waitUntil(lambda: "Would be captured" in page.check_result.text())
