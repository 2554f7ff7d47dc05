"""Backups from the app (issue 21): Settings → Security writes an encrypted backup and restores
one (merged; the newer copy wins), asking the backup's passphrase, with the store open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import wait_idle


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.settings import SettingsPane

    widget = SettingsPane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    return widget


def test_back_up_then_restore_what_was_forgotten(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, tmp_path: Path, when_modal: Any
) -> None:
    kept = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci.add("Lunch with Ana at Taberna")
    said: list[str] = []
    pane.message.connect(said.append)
    target = tmp_path / "memloci-backup.mlb"

    def fill(dialog: Any) -> None:
        dialog.passphrase.setText("backup words 1")
        dialog.again.setText("backup words 2")
        dialog.ok.click()  # refused: the two differ
        assert "differ" in dialog.error.text()
        dialog.again.setText("backup words 1")
        dialog.ok.click()

    when_modal(fill)
    pane.backups.back_up(str(target))
    qtbot.waitUntil(lambda: any(m.startswith("Backed up 2 memories") for m in said), timeout=30_000)
    assert target.exists() and b"Ana lives" not in target.read_bytes()  # encrypted

    memloci.forget(kept.id)
    pane.backups.restore(str(target), "not the passphrase")
    qtbot.waitUntil(
        lambda: pane.backups.backup_button.isEnabled() and len(said) >= 2, timeout=30_000
    )
    assert memloci.browse() and len(memloci.browse()) == 1  # nothing came back
    pane.backups.restore(str(target), "backup words 1")
    qtbot.waitUntil(lambda: any(m.startswith("Restored: 1 added") for m in said), timeout=30_000)
    wait_idle(qtbot, bridge)
    assert memloci.get(kept.id).fields["name"] == "Ana"
