"""Light and dark: follow the system's colour scheme, or the person's choice in Settings.

Fusion style with our own palettes, so both schemes look the same on every desktop. Colours for
memory types and graph categories are chosen to read on either background.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

MODES = ("system", "light", "dark")

TYPE_COLORS = {
    "core": "#8e6bd8",
    "episodic": "#3b82d6",
    "semantic": "#1f9d76",
    "procedural": "#d9822b",
    "resource": "#8a8f98",
    "vault": "#d4475a",
}

CATEGORY_COLORS = {
    "person": "#3b82d6",
    "place": "#1f9d76",
    "project": "#d9822b",
    "concept": "#8e6bd8",
}

STATE_COLORS = {
    "capturing": "#2fa84f",
    "paused": "#e0a100",
    "idle": "#8a8f98",
    "error": "#d4475a",
    "locked": "#8a8f98",
}

_LIGHT = {
    QPalette.ColorRole.Window: "#f4f5f7",
    QPalette.ColorRole.WindowText: "#1d2330",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f0f2f5",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1d2330",
    QPalette.ColorRole.PlaceholderText: "#7b8190",
    QPalette.ColorRole.Text: "#1d2330",
    QPalette.ColorRole.Button: "#e9ebef",
    QPalette.ColorRole.ButtonText: "#1d2330",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: "#3565cf",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#2457c5",
    QPalette.ColorRole.LinkVisited: "#6a45b8",
    QPalette.ColorRole.Mid: "#c9cdd4",
    QPalette.ColorRole.Midlight: "#dfe2e7",
    QPalette.ColorRole.Dark: "#a3a8b1",
    QPalette.ColorRole.Shadow: "#6b707a",
    QPalette.ColorRole.Light: "#ffffff",
}

_DARK = {
    QPalette.ColorRole.Window: "#1f2228",
    QPalette.ColorRole.WindowText: "#e4e6ea",
    QPalette.ColorRole.Base: "#17191e",
    QPalette.ColorRole.AlternateBase: "#22252c",
    QPalette.ColorRole.ToolTipBase: "#2a2e36",
    QPalette.ColorRole.ToolTipText: "#e4e6ea",
    QPalette.ColorRole.PlaceholderText: "#8a909c",
    QPalette.ColorRole.Text: "#e4e6ea",
    QPalette.ColorRole.Button: "#2b2f37",
    QPalette.ColorRole.ButtonText: "#e4e6ea",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: "#4b7be5",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#7aa5ff",
    QPalette.ColorRole.LinkVisited: "#b69cff",
    QPalette.ColorRole.Mid: "#3a3f48",
    QPalette.ColorRole.Midlight: "#333740",
    QPalette.ColorRole.Dark: "#121418",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Light: "#3c414b",
}

STYLE = """
QListWidget#nav { border: none; background: palette(window); outline: 0; }
QListWidget#nav::item { padding: 0.45em 0.7em; border-radius: 6px; margin: 1px 6px; }
QListWidget#nav::item:selected { background: palette(highlight); color: palette(highlighted-text); }
QFrame#card { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }
QLabel#heading { font-weight: 600; }
QLabel#muted { color: palette(placeholder-text); }
QLabel#banner { background: palette(alternate-base); border: 1px solid palette(mid);
                border-radius: 6px; padding: 6px 10px; }
QToolButton#chip { border: 1px solid palette(mid); border-radius: 10px; padding: 2px 8px; }
QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);
                      border: 1px solid palette(highlight); border-radius: 3px; }
"""


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def palette_for(dark: bool) -> QPalette:
    palette = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    disabled = QColor("#6c717b" if dark else "#a0a5ae")
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply(app: QApplication, mode: str = "system") -> bool:
    """Set style and palette; returns whether the dark scheme is in use."""
    if mode not in MODES:
        mode = "system"
    dark = system_prefers_dark() if mode == "system" else mode == "dark"
    app.setStyle("Fusion")
    app.setPalette(palette_for(dark))
    app.setStyleSheet(STYLE)
    app.setProperty("memloci_theme", mode)
    app.setProperty("memloci_dark", dark)
    return dark


def follow_system(app: QApplication) -> None:
    """Re-apply when the desktop switches scheme, if the person chose "system"."""

    def changed(_scheme: object) -> None:
        if app.property("memloci_theme") == "system":
            apply(app, "system")

    QGuiApplication.styleHints().colorSchemeChanged.connect(changed)


def is_dark(widget: QWidget | None = None) -> bool:
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def muted(widget: QWidget | None = None) -> QColor:
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.PlaceholderText)
