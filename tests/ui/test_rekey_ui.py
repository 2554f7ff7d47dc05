"""Replacing the key from Settings (issue 21: Security told the person to quit and run a
command): the app closes its store, shows each step, opens it again under the new passphrase,
and everything is still there; a wrong current passphrase changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSPHRASE
from tests.ui.conftest import started


@pytest.fixture
def controller(qtbot: Any, memloci: Any, make_controller: Any) -> Any:
    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci.close()
    return started(qtbot, make_controller(jobs=True))


def test_the_key_is_replaced_from_settings(qtbot: Any, controller: Any) -> None:
    window = controller.window
    settings = window.show_pane("settings")
    before = controller.memloci
    steps: list[str] = []
    original = window.opening_text

    def record(text: str, busy: bool = True) -> None:
        steps.append(text)
        original(text, busy)

    window.opening_text = record
    settings.replace_key(PASSPHRASE, "a brand new passphrase")
    qtbot.waitUntil(
        lambda: controller.memloci is not None and controller.memloci is not before,
        timeout=60_000,
    )
    assert any("Replacing the key" in step for step in steps)
    assert "The key was replaced" in window.statusBar().currentMessage()
    assert window.nav.isEnabled() and window.current_key() == "settings"
    facade = controller.memloci
    assert [m.title for m in facade.browse()] == ["Ana"]
    facade._parts.keys.keyfile.unlock("a brand new passphrase")  # the new passphrase opens it
    assert controller.jobs is not None  # the schedule runs again


def test_a_wrong_current_passphrase_changes_nothing(qtbot: Any, controller: Any) -> None:
    window = controller.window
    settings = window.show_pane("settings")
    before = controller.memloci
    settings.replace_key("not my passphrase", "a brand new passphrase")
    qtbot.waitUntil(lambda: "passphrase" in window.statusBar().currentMessage().lower())
    assert controller.memloci is before and window.nav.isEnabled()
    assert controller.rekey is not None and not controller.rekey.running
