"""Insights: where the time went (per application per day), what was learned (memories added per
type per day), how much room the memory takes against its budget, and whether capture is
healthy (last frame age, OCR and agent backlogs, stall).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.ui.bridge import Bridge
from app.ui.panes.timeline import lane_colour
from app.ui.theme import STATE_COLORS, TYPE_COLORS, is_dark

TOP_APPS = 6


def human_bytes(value: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def human_age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def series_values(series: QStackedBarSeries) -> list[list[float]]:
    return [[bar.at(n) for n in range(bar.count())] for bar in series.barSets()]


def card(title: str, body: QWidget) -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    heading = QLabel(title)
    heading.setObjectName("heading")
    layout.addWidget(heading)
    layout.addWidget(body, 1)
    return frame


class InsightsPane(QWidget):
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._loaded = False
        self.report: Any = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Period"))
        self.period = QComboBox()
        for days in (7, 14, 30, 90):
            self.period.addItem(f"Last {days} days", days)
        self.period.setCurrentIndex(2)
        self.period.currentIndexChanged.connect(self.refresh)
        bar.addWidget(self.period)
        bar.addStretch(1)
        layout.addLayout(bar)

        grid = QGridLayout()
        self.apps_chart = self._chart_view()
        self.added_chart = self._chart_view()
        self.storage_chart = self._chart_view()
        self.storage_text = QLabel()
        self.storage_text.setWordWrap(True)
        storage = QWidget()
        storage_layout = QVBoxLayout(storage)
        storage_layout.setContentsMargins(0, 0, 0, 0)
        storage_layout.addWidget(self.storage_chart, 1)
        storage_layout.addWidget(self.storage_text)
        health = QWidget()
        self.health = QGridLayout(health)
        self.health_labels: dict[str, QLabel] = {}
        for row, (key, name) in enumerate(
            (
                ("state", "Capture"),
                ("last_frame", "Last frame"),
                ("ocr_backlog", "Waiting for OCR"),
                ("agent_backlog", "Waiting for the agents"),
                ("stall", "Stall"),
                ("model", "Model"),
            )
        ):
            label = QLabel(name)
            label.setObjectName("muted")
            value = QLabel("—")
            value.setObjectName(f"health-{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.health.addWidget(label, row, 0)
            self.health.addWidget(value, row, 1)
            self.health_labels[key] = value
        self.health.setRowStretch(6, 1)
        self.health.setColumnStretch(1, 1)
        grid.addWidget(card("Time per application per day", self.apps_chart), 0, 0)
        grid.addWidget(card("Memories added per type", self.added_chart), 0, 1)
        grid.addWidget(card("Storage", storage), 1, 0)
        grid.addWidget(card("Capture health", health), 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        layout.addLayout(grid, 1)
        shortcut = QShortcut(QKeySequence("F5"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.refresh)
        bridge.memories_changed.connect(self._changed)

    def _chart_view(self) -> QChartView:
        view = QChartView()
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(self.fontMetrics().height() * 12)
        return view

    def _new_chart(self) -> QChart:
        chart = QChart()
        chart.setTheme(
            QChart.ChartTheme.ChartThemeDark if is_dark(self) else QChart.ChartTheme.ChartThemeLight
        )
        chart.setBackgroundVisible(False)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.legend().setLabelColor(self.palette().windowText().color())
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        return chart

    # -- loading ----------------------------------------------------------------------------------
    def activated(self) -> None:
        if not self._loaded:
            self.refresh()

    def _changed(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self._loaded = True
        days = int(self.period.currentData())
        self._bridge.call(
            "activity",
            days,
            on_done=self.show_report,
            on_error=self.message.emit,
            owner=self,
            key=f"insights-{id(self)}",
        )

    def show_report(self, report: Any) -> None:
        self.report = report
        short = len(report.days) > 14
        labels = [f"{d.day}/{d.month}" if short else d.strftime("%a %d") for d in report.days]
        self._apps(report, labels)
        self._added(report, labels)
        self._storage(report)

    def _axes(self, chart: QChart, series: QStackedBarSeries, labels: list[str], unit: str) -> None:
        axis_x = QBarCategoryAxis()
        axis_x.append(labels)
        if len(labels) > 14:
            axis_x.setLabelsAngle(-90)
            font = axis_x.labelsFont()
            font.setPointSizeF(font.pointSizeF() * (0.8 if len(labels) <= 31 else 0.6))
            axis_x.setLabelsFont(font)
        axis_y = QValueAxis()
        top = max((sum(col) for col in zip(*series_values(series), strict=False)), default=0.0)
        if unit == "h":
            axis_y.setRange(0, max(1.0, top * 1.1))
            axis_y.setLabelFormat("%.1f")
        else:
            axis_y.setRange(0, max(4, int(top * 1.15) + 1))
            axis_y.setLabelFormat("%d")
            axis_y.setTickType(QValueAxis.TickType.TicksDynamic)
            axis_y.setTickAnchor(0)
            axis_y.setTickInterval(max(1, round(max(4, top) / 4)))
        axis_y.setTitleText(unit)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        text = self.palette().windowText().color()
        for axis in (axis_x, axis_y):
            axis.setLabelsColor(text)
            axis.setTitleBrush(text)

    def _apps(self, report: Any, labels: list[str]) -> None:
        chart = self._new_chart()
        totals = {app: sum(values) for app, values in report.app_seconds.items()}
        ranked = sorted(totals, key=lambda app: -totals[app])
        series = QStackedBarSeries()
        shown = ranked[:TOP_APPS]
        for app in shown:
            bar = QBarSet(app)
            bar.append([s / 3600 for s in report.app_seconds[app]])
            bar.setColor(lane_colour(app))
            series.append(bar)
        rest = ranked[TOP_APPS:]
        if rest:
            other = QBarSet("other")
            other.append(
                [sum(report.app_seconds[a][n] for a in rest) / 3600 for n in range(len(labels))]
            )
            other.setColor(QColor("#8a8f98"))
            series.append(other)
        chart.addSeries(series)
        self._axes(chart, series, labels, "h")
        if not ranked:
            chart.setTitle("No screen activity recorded in this period")
            chart.setTitleBrush(self.palette().windowText())
        self.apps_chart.setChart(chart)

    def _added(self, report: Any, labels: list[str]) -> None:
        chart = self._new_chart()
        series = QStackedBarSeries()
        for name, values in report.added.items():
            bar = QBarSet(name)
            bar.append([float(v) for v in values])
            bar.setColor(QColor(TYPE_COLORS[name]))
            series.append(bar)
        chart.addSeries(series)
        self._axes(chart, series, labels, "memories")
        self.added_chart.setChart(chart)

    def _storage(self, report: Any) -> None:
        chart = self._new_chart()
        series = QPieSeries()
        series.setHoleSize(0.45)
        used = sum(report.storage.values())
        colours = ["#3b82d6", "#1f9d76", "#d9822b", "#8e6bd8", "#8a8f98"]
        for n, (part, size) in enumerate(sorted(report.storage.items(), key=lambda kv: -kv[1])):
            if size <= 0:
                continue
            piece = series.append(f"{part} {human_bytes(size)}", float(size))
            piece.setColor(QColor(colours[n % len(colours)]))
        budget = report.budget_bytes
        if budget and budget > used:
            free = series.append(f"free {human_bytes(budget - used)}", float(budget - used))
            free.setColor(QColor(self.palette().mid().color()))
        chart.addSeries(series)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.storage_chart.setChart(chart)
        text = f"{human_bytes(used)} used"
        if budget:
            text += f" of a {human_bytes(budget)} budget ({used / budget:.0%})"
        self.storage_text.setText(text)

    # -- capture health ---------------------------------------------------------------------------
    def show_status(self, status: dict[str, Any]) -> None:
        state = status.get("state", "idle")
        colour = STATE_COLORS.get(state, STATE_COLORS["idle"])
        self.health_labels["state"].setText(
            f'<span style="color:{colour}">●</span> {status.get("detail", state)}'
        )
        self.health_labels["last_frame"].setText(human_age(status.get("last_frame_age")))
        for key in ("ocr_backlog", "agent_backlog"):
            value = status.get(key)
            self.health_labels[key].setText("—" if value is None else f"{value:,}")
        stalled = status.get("stalled")
        self.health_labels["stall"].setText(
            "—"
            if stalled is None
            else '<span style="color:#d4475a">no frames lately: capture has stalled</span>'
            if stalled
            else "none"
        )
        self.health_labels["model"].setText(str(status.get("model", "—")))

    def _changed_theme(self) -> None:
        if self.report is not None:
            self.show_report(self.report)

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._changed_theme()
