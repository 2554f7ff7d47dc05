"""Fixing a person, place or thing from the detail pane (issue 21): rename it, merge two records
of one entity, take off a source that is not about it; each is a version in its history."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox

from app.domain import Source
from app.errors import InvalidInput
from tests.ui.conftest import wait_idle


def _open(qtbot: Any, pane: Any, memory_id: str) -> None:
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() >= 1)
    pane.open_memory(memory_id)
    qtbot.waitUntil(lambda: pane.detail.memory is not None and pane.detail.memory.id == memory_id)


def _confirm(dialog: Any) -> None:
    assert isinstance(dialog, QMessageBox)
    for button in dialog.buttons():
        if dialog.buttonRole(button) != QMessageBox.ButtonRole.RejectRole:
            button.click()
            return


def test_rename_keeps_the_change_in_its_history(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any
) -> None:
    jonas = memloci.add("Works at Hurtigruten", type="semantic", fields={"name": "Jonas"})
    episode = memloci.add("Lunch with Jonas")
    _open(qtbot, pane, episode.id)
    assert not pane.detail.fixer.isVisible()  # only a person, place or thing is fixed here
    _open(qtbot, pane, jonas.id)
    assert pane.detail.fixer.isVisible()
    pane.detail.fixer.rename("Jonas Berg")
    qtbot.waitUntil(lambda: memloci.get(jonas.id).fields["name"] == "Jonas Berg")
    assert memloci.history(jonas.id)[-1].reason == "renamed from Jonas"
    qtbot.waitUntil(lambda: pane.detail.title.text() == "Jonas Berg")


def test_merge_two_records_of_one_person(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    keep = memloci.add(
        "Works at Hurtigruten",
        type="semantic",
        fields={"name": "Jonas"},
        sources=[Source("chat", "D1:2")],
    )
    other = memloci.add(
        "Lives in Tromsø",
        type="semantic",
        fields={"name": "Jonas B."},
        sources=[Source("chat", "D2:7")],
    )
    _open(qtbot, pane, keep.id)
    when_modal(_confirm)
    pane.detail.fixer.merge_with(keep, other)
    qtbot.waitUntil(lambda: not memloci.get(other.id).active)
    merged = memloci.get(keep.id)
    assert set(merged.sources) == {Source("chat", "D1:2"), Source("chat", "D2:7")}
    assert "Lives in Tromsø" in merged.fields["details"]
    assert memloci.history(keep.id)[-1].reason == "merged with Jonas B."
    assert memloci.get(other.id).invalid_reason == "merged into Jonas"
    wait_idle(qtbot, bridge)
    qtbot.waitUntil(lambda: pane.model.row_of(other.id) < 0)


def test_a_source_that_is_not_about_it_comes_off(
    qtbot: Any, memloci: Any, bridge: Any, pane: Any, when_modal: Any
) -> None:
    jonas = memloci.add(
        "Works at Hurtigruten",
        type="semantic",
        fields={"name": "Jonas"},
        sources=[Source("chat", "D1:2"), Source("chat", "D9:1")],
    )
    _open(qtbot, pane, jonas.id)
    qtbot.waitUntil(lambda: "not about it" in pane.detail.body.toPlainText())
    when_modal(_confirm)
    pane.detail._link(QUrl("memloci-detach:1"))
    qtbot.waitUntil(lambda: memloci.get(jonas.id).sources == (Source("chat", "D1:2"),))
    assert memloci.history(jonas.id)[-1].reason == "a source that is not about it"
    qtbot.waitUntil(lambda: "memloci-detach" not in pane.detail.body.toHtml())  # one left
    with pytest.raises(InvalidInput, match="at least one source"):
        memloci.entities.detach_source(jonas.id, "chat", "D1:2")


def test_fixing_is_for_entities_only(memloci: Any) -> None:
    episode = memloci.add("Lunch with Jonas")
    with pytest.raises(InvalidInput, match="person, place or thing"):
        memloci.entities.rename(episode.id, "Dinner")
    jonas = memloci.add("Works at Hurtigruten", type="semantic", fields={"name": "Jonas"})
    with pytest.raises(InvalidInput, match="another memory"):
        memloci.entities.merge(jonas.id, jonas.id)
