"""The graph shows people and their relations (issue 15): the relation the agents read ("my
brother Dmytro") is written on the link, not only in its tooltip, and the side panel says it."""

from __future__ import annotations

from typing import Any

from tests.unit.agent_helpers import enqueue_chat


def test_a_relation_is_written_on_its_link_and_beside_the_person(
    qtbot: Any, memloci: Any, bridge: Any
) -> None:
    from app.ui.panes.graph import GraphPane

    memloci.save_settings(memloci.settings.with_value("agents.person_names", "Oksana"))
    enqueue_chat(memloci, [("me", "I'm Oksana Lind."), ("me", "My brother Dmytro lives in Lviv.")])
    memloci.agents.process_queue()
    pane = GraphPane(bridge)
    qtbot.addWidget(pane)
    pane.resize(1200, 700)
    pane.show()
    pane.activated()
    qtbot.waitUntil(lambda: "dmytro" in pane.nodes and "oksana" in pane.nodes, timeout=10_000)
    (edge,) = [e for e in pane.nodes["dmytro"].edges if "oksana" in (e.a.node.key, e.b.node.key)]
    assert edge.caption is not None and edge.caption.text() == "brother"
    assert edge.caption.isVisible()
    pane.nodes["dmytro"].setSelected(True)
    qtbot.waitUntil(lambda: "Linked to" in pane.selected_info.text())
    info = pane.selected_info.text()
    assert "Oksana (brother)" in info and "1 fact ·" in info
