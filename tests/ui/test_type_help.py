"""Each memory type is explained to a person in one line wherever the types are shown: under
the Memories tabs (and in the empty state of a tab), beside a graph node's memories, and on
Insights' "Memories added per type" chart (issue 15: "explain each memory type to a person in
one line where the types are shown")."""

from __future__ import annotations

from typing import Any

from app.domain import MemoryType
from app.views import words


def test_the_memories_tabs_say_what_each_type_holds_and_an_empty_tab_says_so(
    qtbot: Any, memloci: Any, bridge: Any
) -> None:
    from app.ui.panes.memories import TABS, MemoriesPane

    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    pane = MemoriesPane(bridge)
    qtbot.addWidget(pane)
    pane.resize(1400, 800)
    pane.show()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    assert pane.type_note.isVisible() and pane.type_note.text() == words.ALL_TYPES_HELP
    for n, (_name, memory_type) in enumerate(TABS):
        pane.tabs.setCurrentIndex(n)
        assert pane.type_note.text() == words.type_line(memory_type)
    pane.tabs.setCurrentIndex(next(n for n, t in enumerate(TABS) if t[1] is MemoryType.PROCEDURAL))
    qtbot.waitUntil(lambda: not pane.model.loading and pane.model.rowCount() == 0)
    qtbot.waitUntil(lambda: "No procedural memories yet" in pane.count.text())
    note = pane.empty_note  # in the table itself, where the rows would be
    assert note.isVisible() and note.parent() is pane.table.viewport()
    assert "No procedural memories yet." in note.text()
    assert pane.type_note.text() == words.type_line(MemoryType.PROCEDURAL)  # just above it
    pane.tabs.setCurrentIndex(next(n for n, t in enumerate(TABS) if t[1] is MemoryType.SEMANTIC))
    qtbot.waitUntil(lambda: pane.count.text() == "1 memory")
    assert not note.isVisible()


def test_a_graph_nodes_memories_name_their_type_in_words(
    qtbot: Any, memloci: Any, bridge: Any
) -> None:
    from app.ui.panes.graph import GraphPane

    memloci.add("my sister, lives in Porto", type="semantic", fields={"name": "Ana"})
    memloci.add("a city in the north of Portugal", type="semantic", fields={"name": "Porto"})
    lunch = memloci.add("Lunch with Ana in Porto")
    pane = GraphPane(bridge)
    qtbot.addWidget(pane)
    pane.resize(1200, 700)
    pane.show()
    pane.activated()
    qtbot.waitUntil(lambda: "ana" in pane.nodes, timeout=10_000)
    pane.nodes["ana"].setSelected(True)
    qtbot.waitUntil(lambda: pane.memories.count() == 2)
    items = [pane.memories.item(n) for n in range(pane.memories.count())]
    texts = [i.text() for i in items]
    assert "Semantic · Ana" in texts and f"Episodic · {lunch.title}" in texts
    tip = items[texts.index("Semantic · Ana")].toolTip()
    assert tip.startswith(f"Semantic: {words.type_line(MemoryType.SEMANTIC)}")


def test_the_per_type_chart_names_and_explains_the_types(
    qtbot: Any, memloci: Any, bridge: Any
) -> None:
    from app.ui.panes.insights import InsightsPane

    memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    pane = InsightsPane(bridge)
    qtbot.addWidget(pane)
    pane.resize(1200, 800)
    pane.show()
    pane.activated()
    qtbot.waitUntil(lambda: pane.report is not None)
    series = pane.added_chart.chart().series()[0]
    labels = {bar.label() for bar in series.barSets()}
    assert "Semantic" in labels and "semantic" not in labels
    tip = pane.added_chart.toolTip()
    for memory_type in MemoryType:
        assert f"{words.TYPE_NAMES[memory_type]}: {words.type_line(memory_type)}" in tip
