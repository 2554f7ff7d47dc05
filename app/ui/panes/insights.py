"""Insights: where the time went (per application per day), what was learned (memories added per
type per day), how much room the memory takes against its budget, and whether capture is
healthy (last frame age, OCR and agent backlogs, stall).
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
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
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain import MemoryType
from app.ui.bridge import Bridge
from app.ui.panes.timeline import lane_colour
from app.ui.theme import STATE_COLORS, TYPE_COLORS, is_dark
from app.views import words

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


def periods(days: list[Any]) -> list[tuple[str, list[int]]]:
    """Bars: one per day up to a month (weekday names for a week or two, day numbers after),
    one per week beyond, so labels always fit under their bar."""
    if len(days) <= 14:
        return [(d.strftime("%a %d"), [n]) for n, d in enumerate(days)]
    if len(days) <= 31:  # the 1st, 8th, 15th and 22nd are named: a week apart, never crowded
        return [
            (f"{d.day}/{d.month}" if d.day in (1, 8, 15, 22) else "", [n])
            for n, d in enumerate(days)
        ]
    weeks: list[tuple[str, list[int]]] = []
    for start in range(len(days) % 7 - 7 if len(days) % 7 else 0, len(days), 7):
        slots = [n for n in range(start, start + 7) if 0 <= n < len(days)]
        first = days[slots[0]]
        weeks.append((f"{first.day}/{first.month}", slots))
    return weeks


def bar_axis(labels: list[str]) -> QBarCategoryAxis | QCategoryAxis:
    """Every bar named when there is room; otherwise a value axis that names only some bars
    at their centre (a category axis would cut every crowded label to "…")."""
    if all(labels):
        axis = QBarCategoryAxis()
        axis.append(labels)
        return axis
    sparse = QCategoryAxis()
    sparse.setRange(-0.5, len(labels) - 0.5)
    sparse.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    sparse.setGridLineVisible(False)
    seen: set[str] = set()
    for n, label in enumerate(labels):
        if label:
            while label in seen:  # the axis needs distinct names
                label += "\u200b"
            seen.add(label)
            sparse.append(label, n)
    return sparse


def axis_scale(top: float, whole: bool = False) -> tuple[float, float]:
    """The axis' top and tick step for values up to `top`: the step is 1, 2 or 5 times a power
    of ten (whole numbers only for counts), 2 to 5 steps, the top a little above the values."""
    if top <= 0:
        return 4.0, 1.0
    target = top * 1.05
    magnitude = 10 ** math.floor(math.log10(target / 5))
    if whole:
        magnitude = max(magnitude, 1)
    for factor in (1, 2, 5, 10, 20):
        step = factor * magnitude
        if whole and step < 1:
            continue
        steps = math.ceil(target / step - 1e-9)
        if steps <= 5:
            steps = max(steps, 2)
            return round(step * steps, 10), round(step, 10)
    step = 20 * magnitude  # not reached: 20 x magnitude always fits in 5 steps
    return round(step * 5, 10), round(step, 10)


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
        self.added_chart.setToolTip(  # each type in one line, where the types are shown
            "\n".join(f"{words.TYPE_NAMES[t]}: {words.type_line(t)}" for t in MemoryType)
        )
        self.storage_chart = self._chart_view()
        self.storage_text = QLabel()
        self.storage_text.setWordWrap(True)
        storage = QWidget()
        storage_layout = QVBoxLayout(storage)
        storage_layout.setContentsMargins(0, 0, 0, 0)
        storage_layout.addWidget(self.storage_chart, 1)
        storage_layout.addWidget(self.storage_text)
        self.budget_bar = QProgressBar()
        self.budget_bar.setTextVisible(True)
        self.budget_bar.hide()
        storage_layout.addWidget(self.budget_bar)
        health = QWidget()
        self.health = QGridLayout(health)
        self.health_labels: dict[str, QLabel] = {}
        for row, (key, name) in enumerate(
            (
                ("state", "Capture"),
                ("last_frame", "Last frame"),
                ("ocr_backlog", "Screens still to read"),
                ("agent_backlog", "For the memory agents"),
                ("stall", "Stalled"),
                ("model", "Model"),
            )
        ):
            label = QLabel(name)
            label.setObjectName("muted")
            value = QLabel("—")
            value.setObjectName(f"health-{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.health.addWidget(label, row, 0)
            self.health.addWidget(value, row, 1)
            self.health_labels[key] = value
        self.health.setRowStretch(6, 1)
        self.health.setColumnStretch(1, 1)
        self.cards = [
            card("Time per application per day", self.apps_chart),
            card("Memories added per type", self.added_chart),
            card("Storage", storage),
            card("Capture health", health),
        ]
        self.grid = grid
        self.columns = 0
        self._arrange(2)
        body = QWidget()
        body.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()  # small windows (200 %) scroll instead of growing off the screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        shortcut = QShortcut(QKeySequence("F5"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.refresh)
        bridge.memories_changed.connect(self._changed)

    def _arrange(self, columns: int) -> None:
        """Two cards a row, or one under the other when the pane is narrow (legends and axis
        labels then keep their words)."""
        if columns == self.columns:
            return
        self.columns = columns
        for widget in self.cards:
            self.grid.removeWidget(widget)
        for n, widget in enumerate(self.cards):
            self.grid.addWidget(widget, n // columns, n % columns)
        rows = (3, 2) if columns == 2 else (3, 3, 2, 2)
        for row in range(4):
            self.grid.setRowStretch(row, rows[row] if row < len(rows) else 0)
        for column in range(2):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._arrange(2 if self.width() >= self.fontMetrics().averageCharWidth() * 120 else 1)

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
            lambda m: m.activity(days),
            on_done=self.show_report,
            on_error=self.message.emit,
            owner=self,
            key=f"insights-{id(self)}",
        )

    def show_report(self, report: Any) -> None:
        self.report = report
        self._periods = periods(report.days)
        self._apps(report)
        self._added(report)
        self._storage(report)

    def _fold(self, values: list[float]) -> list[float]:
        return [sum(values[n] for n in slots) for _label, slots in self._periods]

    def _axes(self, chart: QChart, series: QStackedBarSeries, unit: str) -> None:
        axis_x = bar_axis([label for label, _slots in self._periods])
        axis_y = QValueAxis()
        top = max((sum(col) for col in zip(*series_values(series), strict=False)), default=0.0)
        ceiling, interval = axis_scale(top, whole=unit == "memories")
        axis_y.setRange(0, ceiling)
        axis_y.setTickType(QValueAxis.TickType.TicksDynamic)
        axis_y.setTickAnchor(0)
        axis_y.setTickInterval(interval)
        decimals = max(0, -math.floor(math.log10(interval) + 1e-9))
        axis_y.setLabelFormat(f"%.{decimals}f")
        axis_y.setTitleText(unit)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        text = self.palette().windowText().color()
        for axis in (axis_x, axis_y):
            axis.setTruncateLabels(False)  # "…" says nothing; a narrow chart shows fewer ticks
            axis.setLabelsColor(text)
            axis.setTitleBrush(text)

    def _apps(self, report: Any) -> None:
        chart = self._new_chart()
        totals = {app: sum(values) for app, values in report.app_seconds.items()}
        ranked = sorted(totals, key=lambda app: -totals[app])
        hours = sum(totals.values()) >= 3600 * 2
        scale, unit = (3600.0, "hours") if hours else (60.0, "minutes")
        series = QStackedBarSeries()
        for app in ranked[:TOP_APPS]:
            bar = QBarSet(app)
            bar.append([v / scale for v in self._fold(report.app_seconds[app])])
            bar.setColor(lane_colour(app))
            series.append(bar)
        rest = ranked[TOP_APPS:]
        if rest:
            other = QBarSet("other")
            summed = [sum(report.app_seconds[a][n] for a in rest) for n in range(len(report.days))]
            other.append([v / scale for v in self._fold(summed)])
            other.setColor(QColor("#8a8f98"))
            series.append(other)
        chart.addSeries(series)
        self._axes(chart, series, unit)
        if not ranked:
            chart.setTitle("No screen activity recorded in this period")
            chart.setTitleBrush(self.palette().windowText())
            chart.legend().hide()
        self.apps_chart.setChart(chart)

    def _added(self, report: Any) -> None:
        chart = self._new_chart()
        series = QStackedBarSeries()
        for name, values in report.added.items():
            bar = QBarSet(words.TYPE_NAMES.get(MemoryType.parse(name), name))
            bar.append([float(v) for v in self._fold(values)])
            bar.setColor(QColor(TYPE_COLORS[name]))
            series.append(bar)
        chart.addSeries(series)
        self._axes(chart, series, "memories")
        self.added_chart.setChart(chart)

    def _storage(self, report: Any) -> None:
        chart = self._new_chart()
        series = QPieSeries()
        series.setHoleSize(0.45)
        used = sum(report.storage.values())
        colours = ["#3b82d6", "#1f9d76", "#d9822b", "#8e6bd8", "#8a8f98"]
        names = {
            "database": "memories",
            "vectors": "search vectors",
            "frames": "screen frames",
        }
        parts = sorted(report.storage.items(), key=lambda kv: -kv[1])
        for n, (part, size) in enumerate(parts):
            if size <= 0:
                continue
            piece = series.append(f"{names.get(part, part)} {human_bytes(size)}", float(size))
            piece.setColor(QColor(colours[n % len(colours)]))
        chart.addSeries(series)
        # Beside the ring, one label per line: below it, three labels share one line and clip.
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.storage_chart.setChart(chart)
        self.storage_text.setText(f"{human_bytes(used)} on disk, all of it encrypted")
        budget = report.budget_bytes
        frames = report.storage.get("frames", 0)
        if budget:
            self.budget_bar.setRange(0, 1000)
            self.budget_bar.setValue(min(1000, int(frames / budget * 1000)))
            self.budget_bar.setFormat(f"frames: {human_bytes(frames)} of {human_bytes(budget)}")
            self.budget_bar.setToolTip(
                f"Retained screen frames use {human_bytes(frames)} of their "
                f"{human_bytes(budget)} budget; {human_bytes(max(0, budget - frames))} left."
            )
            self.budget_bar.show()
        else:
            self.budget_bar.hide()

    # -- capture health ---------------------------------------------------------------------------
    def show_status(self, status: dict[str, Any]) -> None:
        state = status.get("state", "idle")
        colour = STATE_COLORS.get(state, STATE_COLORS["idle"])
        self.health_labels["state"].setText(
            f'<span style="color:{colour}">●</span> {status.get("detail", state)}'
        )
        self.health_labels["last_frame"].setText(human_age(status.get("last_frame_age")))
        ocr = status.get("ocr_backlog")
        self.health_labels["ocr_backlog"].setText(
            "—" if ocr is None else "none" if not ocr else f"{ocr:,} screen{'s' * (ocr != 1)}"
        )
        agents = status.get("agent_backlog")
        self.health_labels["agent_backlog"].setText(
            "—" if agents is None else words.waiting_line(int(agents))
        )
        stalled = status.get("stalled")
        self.health_labels["stall"].setText(
            "—"
            if stalled is None
            else '<span style="color:#d4475a">no frames lately: capture has stalled</span>'
            if stalled
            else "no"
        )
        self.health_labels["model"].setText(str(status.get("model", "—")))

    def _changed_theme(self) -> None:
        if self.report is not None:
            self.show_report(self.report)

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._changed_theme()
