"""The Graph pane: entities as nodes, links, selection shows the memories behind a node."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import wait_idle


@pytest.fixture
def pane(qtbot: Any, bridge: Any) -> Any:
    from app.ui.panes.graph import GraphPane

    widget = GraphPane(bridge)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def test_nodes_links_and_selection(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    ana = memloci.add("my sister, lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci.add("a city in the north of Portugal", type="semantic", fields={"name": "Porto"})
    memloci.add("the new release of our app", type="semantic", fields={"name": "Atlas"})
    lunch = memloci.add("Lunch with Ana to plan the Atlas launch")
    pane.activated()
    qtbot.waitUntil(lambda: len(pane.nodes) == 3, timeout=10_000)
    assert "3 entities" in pane.summary.text()
    edges = {(e.edge.a, e.edge.b) for n in pane.nodes.values() for e in n.edges}
    assert ("ana", "porto") in edges or ("porto", "ana") in edges
    assert any({"ana", "atlas"} == {a, b} for a, b in edges)
    node = pane.nodes["ana"]
    point = pane.view.mapFromScene(node.scenePos())
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert pane.selected_key() == "ana"
    qtbot.waitUntil(lambda: pane.memories.count() == 2)
    texts = [pane.memories.item(n).text() for n in range(pane.memories.count())]
    assert "Semantic · Ana" in texts and f"Episodic · {lunch.title}" in texts
    assert "Linked to:" in pane.selected_info.text() and "Porto" in pane.selected_info.text()
    assert pane.nodes["porto"].opacity() == 1.0  # neighbours stay lit
    with qtbot.waitSignal(pane.open_memory) as opened:
        pane.memories.setCurrentRow(texts.index("Semantic · Ana"))
        pane._memory_activated(pane.memories.currentItem())
    assert opened.args == [ana.id]
    with qtbot.waitSignal(pane.open_ids) as shown:
        qtbot.mouseClick(pane.all_button, Qt.MouseButton.LeftButton)
    assert set(shown.args[0]) == {ana.id, lunch.id}


def test_find_zoom_and_empty_state(qtbot: Any, memloci: Any, bridge: Any, pane: Any) -> None:
    pane.activated()
    wait_idle(qtbot, bridge)
    assert "No people, places or projects yet" in " ".join(
        item.toPlainText() for item in pane.scene.items() if hasattr(item, "toPlainText")
    )
    memloci.add("a colleague from work", type="semantic", fields={"name": "Marta Silva"})
    pane.refresh()
    qtbot.waitUntil(lambda: len(pane.nodes) == 1)
    qtbot.keyClicks(pane.find, "marta")
    qtbot.keyClick(pane.find, Qt.Key.Key_Return)
    assert pane.selected_key() == "marta silva"
    scale = pane.view.transform().m11()
    pane.view.zoom(1.3)
    assert pane.view.transform().m11() == pytest.approx(scale * 1.3)
    pane.find.setText("nobody")
    with qtbot.waitSignal(pane.message) as said:
        qtbot.keyClick(pane.find, Qt.Key.Key_Return)
    assert "No entity called" in said.args[0]
