"""The Graph: people, places, projects and ideas from semantic memory, linked where memories
mention them together. Pan by dragging, zoom with the wheel, click a node to see the memories
behind it; nodes can be dragged to untangle the picture.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.bridge import Bridge
from app.ui.graph_layout import layout
from app.ui.theme import CATEGORY_COLORS
from app.views import words


def _counts(node: Any, joiner: str = " · ") -> str:
    """ "1 fact · 4 mentions": what a node is made of."""
    facts, mentions = len(node.memory_ids), len(node.mention_ids)
    return joiner.join(
        (
            f"{facts} fact{'s' if facts != 1 else ''}",
            f"{mentions} mention{'s' if mentions != 1 else ''}",
        )
    )


class NodeItem(QGraphicsEllipseItem):
    def __init__(self, node: Any, radius: float, pane: GraphPane) -> None:
        super().__init__(-radius, -radius, 2 * radius, 2 * radius)
        self.node = node
        self.pane = pane
        self.edges: list[EdgeItem] = []
        colour = QColor(CATEGORY_COLORS.get(node.category, CATEGORY_COLORS["concept"]))
        self.setBrush(QBrush(colour))
        self.setPen(QPen(colour.darker(140), 1.5))
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{node.label} ({node.category})\n{_counts(node, ', ')}")
        self.setZValue(2)
        self.label = QGraphicsSimpleTextItem(node.label, self)
        font = QFont(pane.font())
        self.label.setFont(font)
        rect = self.label.boundingRect()
        self.label.setPos(-rect.width() / 2, radius + 2)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setPen(
                QPen(self.pane.palette().highlight().color(), 4)
                if value
                else QPen(self.brush().color().darker(140), 1.5)
            )
        return super().itemChange(change, value)


class EdgeItem(QGraphicsLineItem):
    def __init__(self, edge: Any, a: NodeItem, b: NodeItem, colour: QColor) -> None:
        super().__init__()
        self.edge, self.a, self.b = edge, a, b
        width = 1.0 + math.log1p(edge.weight) * 1.2
        colour = QColor(colour)
        colour.setAlpha(110)
        self.setPen(QPen(colour, width))
        self.setZValue(1)
        tip = f"{a.node.label} — {b.node.label}: {edge.weight} shared memories"
        if edge.label:
            tip = f"{a.node.label} — {b.node.label}: {edge.label}\n{tip.split(': ', 1)[1]}"
        self.setToolTip(tip)
        # A relation the agents read ("sister") is written on its link, at the middle.
        self.caption: QGraphicsSimpleTextItem | None = None
        if edge.label:
            self.caption = QGraphicsSimpleTextItem(str(edge.label), self)
            font = QFont(a.pane.font())
            font.setItalic(True)
            font.setPointSizeF(font.pointSizeF() * 0.9)
            self.caption.setFont(font)
            self.caption.setBrush(a.pane.palette().windowText())
        a.edges.append(self)
        b.edges.append(self)
        self.adjust()

    def adjust(self) -> None:
        self.setLine(self.a.pos().x(), self.a.pos().y(), self.b.pos().x(), self.b.pos().y())
        if self.caption is not None:
            rect = self.caption.boundingRect()
            middle = (self.a.pos() + self.b.pos()) / 2
            self.caption.setPos(middle.x() + 6, middle.y() - rect.height() / 2)


class GraphView(QGraphicsView):
    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)

        self.user_zoomed = False

    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 1.2 if event.angleDelta().y() > 0 else 1 / 1.2
        self.zoom(factor)
        event.accept()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        if 0.05 < current * factor < 20:
            self.user_zoomed = True
            self.scale(factor, factor)

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-40, -40, 40, 40)
        if rect.isValid():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            if self.transform().m11() > 2.5:  # a lone node should not fill the screen
                self.resetTransform()
                self.scale(2.5, 2.5)
                self.centerOn(rect.center())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if not self.user_zoomed:
            self.fit()


class GraphPane(QWidget):
    open_memory = Signal(str)
    open_ids = Signal(list, str)
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.graph: Any = None
        self.nodes: dict[str, NodeItem] = {}
        self._loaded = False
        layout_ = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find a person, place or project")
        self.find.setClearButtonEnabled(True)
        self.find.setMinimumWidth(self.fontMetrics().averageCharWidth() * 30)
        self.find.returnPressed.connect(self.find_node)
        bar.addWidget(self.find, 2)
        legend = "  ".join(
            f'<span style="color:{colour}">●</span> {name}'
            for name, colour in CATEGORY_COLORS.items()
        )
        self.legend = QLabel(legend)
        bar.addWidget(self.legend)
        bar.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        bar.addWidget(self.summary)
        for text, tip, slot in (
            ("−", "Zoom out (Ctrl+-)", lambda: self.view.zoom(1 / 1.3)),
            ("+", "Zoom in (Ctrl+=)", lambda: self.view.zoom(1.3)),
            ("Fit", "Show everything (Ctrl+0)", self._fit),
            ("Refresh", "Rebuild the graph (F5)", lambda: self.refresh()),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        layout_.addLayout(bar)

        self.scene = QGraphicsScene(self)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.view = GraphView(self.scene)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.selected_title = QLabel("Select a node")
        self.selected_title.setObjectName("heading")
        self.selected_title.setWordWrap(True)
        side_layout.addWidget(self.selected_title)
        self.selected_info = QLabel()
        self.selected_info.setObjectName("muted")
        self.selected_info.setWordWrap(True)
        side_layout.addWidget(self.selected_info)
        self.memories = QListWidget()
        self.memories.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.memories.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.memories.setToolTip("Double-click (or Enter) to open a memory")
        self.memories.itemActivated.connect(self._memory_activated)
        side_layout.addWidget(self.memories, 1)
        self.all_button = QPushButton("Show all in Memories")
        self.all_button.setEnabled(False)
        self.all_button.clicked.connect(self._show_all)
        side_layout.addWidget(self.all_button)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        chars = self.fontMetrics().averageCharWidth()
        splitter.setSizes([chars * 130, chars * 45])
        layout_.addWidget(splitter, 1)
        for keys, slot in (
            ("Ctrl+=", lambda: self.view.zoom(1.3)),
            ("Ctrl++", lambda: self.view.zoom(1.3)),
            ("Ctrl+-", lambda: self.view.zoom(1 / 1.3)),
            ("Ctrl+0", self._fit),
            ("F5", self.refresh),
            ("Ctrl+F", lambda: self.find.setFocus()),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._stale = False
        bridge.memories_changed.connect(self._changed)

    # -- loading ----------------------------------------------------------------------------------
    def activated(self) -> None:
        if not self._loaded or self._stale:
            self.refresh()

    def _changed(self) -> None:
        self._stale = True

    def refresh(self) -> None:
        self._loaded = True
        self._stale = False
        self.summary.setText("building the graph…")

        def build() -> tuple[Any, dict[str, tuple[float, float]]]:
            graph = self._bridge.memloci.entity_graph()
            positions = layout(
                [n.key for n in graph.nodes],
                [(e.a, e.b, float(e.weight)) for e in graph.edges],
                size=120.0 * max(4.0, math.sqrt(len(graph.nodes))),
            )
            return graph, positions

        self._bridge.submit(
            build,
            on_done=lambda result: self.show_graph(*result),
            on_error=self.message.emit,
            owner=self,
            key=f"graph-{id(self)}",
        )

    def show_graph(self, graph: Any, positions: dict[str, tuple[float, float]]) -> None:
        selected = self.selected_key()
        self.graph = graph
        self.nodes = {}
        self.scene.blockSignals(True)  # clearing must not report a selection of dying items
        self.scene.clear()
        self.scene.blockSignals(False)
        base = self.fontMetrics().height() * 0.6
        for node in graph.nodes:
            radius = base * (1.0 + math.log1p(node.weight) * 0.45)
            item = NodeItem(node, radius, self)
            item.setPos(QPointF(*positions.get(node.key, (0.0, 0.0))))
            item.label.setBrush(self.palette().windowText())
            self.scene.addItem(item)
            self.nodes[node.key] = item
        edge_colour = self.palette().windowText().color()
        for edge in graph.edges:
            a, b = self.nodes.get(edge.a), self.nodes.get(edge.b)
            if a is not None and b is not None:
                self.scene.addItem(EdgeItem(edge, a, b, edge_colour))
        more = " (the most important shown)" if graph.truncated else ""
        self.summary.setText(f"{len(graph.nodes)} entities · {len(graph.edges)} links{more}")
        if not graph.nodes:
            text = self.scene.addText(
                "No people, places or projects yet.\nThey appear here as Memloci learns "
                "facts (semantic memories)."
            )
            text.setDefaultTextColor(self.palette().windowText().color())
        rect = self.scene.itemsBoundingRect().adjusted(-200, -200, 200, 200)
        self.scene.setSceneRect(rect)
        self.view.user_zoomed = False
        self.view.fit()
        if selected in self.nodes:
            self.nodes[selected].setSelected(True)

    # -- selection --------------------------------------------------------------------------------
    def selected_key(self) -> str | None:
        for item in self.scene.selectedItems() if self.nodes else ():
            if isinstance(item, NodeItem):
                return item.node.key
        return None

    def select(self, key: str) -> None:
        item = self.nodes.get(key)
        if item is None:
            return
        self.scene.clearSelection()
        item.setSelected(True)
        self.view.ensureVisible(item, 60, 60)

    def find_node(self) -> None:
        text = self.find.text().strip().casefold()
        if not text:
            return
        match = next((k for k in self.nodes if k == text), None) or next(
            (k for k, item in self.nodes.items() if text in item.node.label.casefold()), None
        )
        if match is None:
            self.message.emit(f"No entity called “{self.find.text().strip()}”.")
            return
        self.select(match)

    def _selection_changed(self) -> None:
        key = self.selected_key()
        neighbours: set[str] = set()
        if key is not None:
            for edge in self.nodes[key].edges:
                neighbours.add(edge.a.node.key)
                neighbours.add(edge.b.node.key)
        for other_key, item in self.nodes.items():
            dim = key is not None and other_key != key and other_key not in neighbours
            item.setOpacity(0.25 if dim else 1.0)
            for edge in item.edges:
                touching = key is not None and key in (edge.a.node.key, edge.b.node.key)
                edge.setOpacity(1.0 if key is None or touching else 0.12)
        self.memories.clear()
        if key is None:
            self.selected_title.setText("Select a node")
            self.selected_info.setText("")
            self.all_button.setEnabled(False)
            return
        node = self.nodes[key].node
        self.selected_title.setText(node.label)
        links = sorted(
            (
                (
                    e.edge.weight,
                    (e.b.node.label if e.a.node.key == key else e.a.node.label)
                    + (f" ({e.edge.label})" if e.edge.label else ""),
                )
                for e in self.nodes[key].edges
            ),
            reverse=True,
        )
        linked = ", ".join(name for _, name in links[:6]) or "nothing yet"
        self.selected_info.setText(f"{node.category} · {_counts(node)}\nLinked to: {linked}")
        self.all_button.setEnabled(True)
        ids = [*node.memory_ids, *node.mention_ids]
        self._bridge.call(
            lambda m: m.browse(_ids_query(ids), limit=200),
            on_done=lambda memories, k=key: self._show_memories(k, memories),
            on_error=self.message.emit,
            owner=self,
            key=f"graph-node-{id(self)}",
        )

    def _show_memories(self, key: str, memories: list[Any]) -> None:
        if self.selected_key() != key:
            return
        self.memories.clear()
        for memory in memories:
            name = words.TYPE_NAMES[memory.type]
            item = QListWidgetItem(f"{name} · {memory.title}")
            item.setData(Qt.ItemDataRole.UserRole, memory.id)
            item.setToolTip(f"{name}: {words.type_line(memory.type)}\n\n{memory.text[:300]}")
            self.memories.addItem(item)

    def _memory_activated(self, item: QListWidgetItem) -> None:
        self.open_memory.emit(item.data(Qt.ItemDataRole.UserRole))

    def _show_all(self) -> None:
        key = self.selected_key()
        if key is None:
            return
        node = self.nodes[key].node
        self.open_ids.emit([*node.memory_ids, *node.mention_ids], f"About {node.label}")

    def _fit(self) -> None:
        self.view.user_zoomed = False
        self.view.fit()

    def scene_rect(self) -> QRectF:
        return self.scene.itemsBoundingRect()


def _ids_query(ids: list[str]) -> Any:
    from app.views.browse import BrowseQuery

    return BrowseQuery(ids=tuple(ids[:2_000]), sort="importance")
