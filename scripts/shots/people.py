#!/usr/bin/env python3
"""Screenshots of what issue 21's "people" part changed, to look at: a memory's detail in plain
words (a fact from an imported chat with Jonas), the New dialog with each type explained, and the
chat pane with its list of kept conversations; light and dark.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots/people.py [--out /tmp/people-shots]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import Studio, studio

MESSAGES = [
    ("D2:9", "me", "How was the first week?", "2023-05-04T11:58:00Z"),
    ("D2:10", "Jonas", "Great! I started at Hurtigruten in Tromsø", "2023-05-04T12:00:00Z"),
    ("D2:11", "Jonas", "The office is right by the harbour", "2023-05-04T12:01:00Z"),
]


def populate(memloci: Any, folder: Path) -> dict[str, str]:
    """The chat with Jonas, a fact drawn from it and changed once, a web page, and two
    conversations with Memloci (a scripted model answers)."""
    from app.domain import Source
    from tests.ui.fakes import ScriptedModel

    path = folder / "chat.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": i, "conversation": "D2", "speaker": s, "text": t, "timestamp": at})
            for i, s, t, at in MESSAGES
        )
        + "\n"
    )
    memloci.import_chat(path, agents=False)
    fact = memloci.add(
        "Jonas works at Hurtigruten in Tromsø",
        type="semantic",
        fields={"name": "Jonas"},
        sources=[Source("chat", "D2:10")],
        actor="agent:extractor",
        origin="agent",
    )
    memloci.update(
        fact.id, "Jonas works at Hurtigruten, by the harbour in Tromsø", reason="he said where"
    )
    memloci.add(
        "Glazes for stoneware",
        type="resource",
        fields={"title": "Glazes for stoneware", "resource_type": "web_page"},
    )
    memloci._parts.llm.use(ScriptedModel("Jonas works at Hurtigruten [1]."))
    for question in ("Where does Jonas work?", "What did I read about glazes?"):
        memloci.chat_turn(memloci.start_chat(), question)
    return {"fact": fact.id}


def shoot(studio: Studio) -> None:
    from app.ui.import_flow import ImportDialog
    from app.ui.panes.chat import ChatPane
    from app.ui.panes.memories import MemoriesPane
    from app.ui.panes.memory_edit import MemoryForm
    from app.ui.panes.settings import SettingsPane

    class NoTray:
        available = False

    class Controller:
        tray = NoTray()

    bridge, settle = studio.bridge, studio.settle
    for theme in studio.themes():
        pane = MemoriesPane(bridge)
        pane.resize(1500, 900)
        pane.show()
        pane.refresh()
        settle()
        pane.open_memory(studio.made["fact"])
        studio.save(pane, f"memory-detail-{theme}", after=1200)
        form = MemoryForm(pane)
        studio.passing(form, f"new-memory-{theme}", after=200)
        chat = ChatPane(bridge)
        chat.resize(1300, 800)
        chat.show()
        chat.activated()
        studio.save(chat, f"chat-conversations-{theme}", after=1500)
        dialog = ImportDialog(studio.memloci.preview_chat(studio.home / "chat.jsonl"), [])
        studio.passing(dialog, f"import-dialog-{theme}", after=200)
        settings = SettingsPane(bridge, controller=Controller())
        settings.resize(1100, 700)
        settings.show()
        tabs = settings.tabs
        names = [tabs.tabText(n) for n in range(tabs.count())]
        tabs.setCurrentIndex(next(n for n, t in enumerate(names) if "Security" in t))
        studio.save(settings, f"settings-security-{theme}", after=300)
        settings.close()
        pane.close()
        chat.close()


if __name__ == "__main__":
    with studio("/tmp/people-shots", populate) as ready:
        shoot(ready)
