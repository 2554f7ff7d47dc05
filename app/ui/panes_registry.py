"""Which pane is built how, and how panes talk to each other (through the main window)."""

from __future__ import annotations

from typing import Any


def register_all(controller: Any) -> None:
    window, bridge = controller.window, controller.bridge

    def chat() -> Any:
        from app.ui.panes.chat import ChatPane

        pane = ChatPane(bridge)
        pane.open_memory.connect(window.open_memory)
        pane.streaming_changed.connect(controller.chat_busy)
        return pane

    def memories() -> Any:
        from app.ui.panes.memories import MemoriesPane

        return MemoriesPane(bridge)

    def timeline() -> Any:
        from app.ui.panes.timeline import TimelinePane

        pane = TimelinePane(bridge)
        pane.open_ids.connect(window.open_ids)
        pane.open_range.connect(window.open_range)
        return pane

    def graph() -> Any:
        from app.ui.panes.graph import GraphPane

        pane = GraphPane(bridge)
        pane.open_memory.connect(window.open_memory)
        pane.open_ids.connect(window.open_ids)
        return pane

    def insights() -> Any:
        from app.ui.panes.insights import InsightsPane

        pane = InsightsPane(bridge)
        if controller.last_status:
            pane.show_status(controller.last_status)
        return pane

    def settings() -> Any:
        from app.ui.panes.settings import SettingsPane

        pane = SettingsPane(bridge, controller)
        return pane

    for key, factory in (
        ("chat", chat),
        ("memories", memories),
        ("timeline", timeline),
        ("graph", graph),
        ("insights", insights),
        ("settings", settings),
    ):
        window.register(key, factory)
