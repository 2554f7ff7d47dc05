#!/usr/bin/env python3
"""Screenshots of issue 15's memories in the app, to look at: a personal chat read by the
memory agents (no model), then the Memories table (Kind column, the type's line), a person
whose address and phone changed ("How it changed"), the "About you" profile with its replaced
lines, the graph with the person's relations, an empty tab, and the erase dialog counting
conversation turns; light and dark.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots/typed.py [--out /tmp/typed-shots]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import Studio, studio

CHAT = [
    ("2023-05-08T09:00:00Z", "me", "I'm Tomasz Wierzbicki and I work as a nurse at St Olav."),
    ("2023-05-08T09:01:00Z", "me", "My mobile is +47 412 00 111 and I live in Trondheim."),
    ("2023-05-08T09:02:00Z", "Jonas Lindqvist", "How is your sister doing?"),
    (
        "2023-05-08T09:03:00Z",
        "me",
        "My sister Beatrix lives in Gdansk; her birthday is on 14 February.",
    ),
    ("2023-05-08T09:04:00Z", "me", "Beatrix's phone is +48 501 111 222."),
    ("2023-05-08T09:05:00Z", "me", "Our dog Pirat loves the beach."),
    (
        "2023-05-08T09:06:00Z",
        "me",
        "To descale the kettle: fill it with vinegar, boil it, then rinse twice.",
    ),
    ("2023-06-02T18:00:00Z", "me", "My new mobile number is +47 412 00 222; I moved to Bergen."),
    ("2023-06-02T18:01:00Z", "me", "Beatrix moved to Sopot. Her new phone is +48 501 333 444."),
    ("2023-06-02T18:02:00Z", "Jonas Lindqvist", "Great news about Beatrix!"),
]


def populate(memloci: Any, folder: Path) -> dict[str, str]:
    path = folder / "chat.jsonl"
    rows = [
        {"id": f"p{n}", "conversation": "p", "speaker": who, "text": text, "timestamp": at}
        for n, (at, who, text) in enumerate(CHAT)
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    memloci.save_settings(memloci.settings.with_value("agents.person_names", "Tomasz"))
    memloci.import_chat(path, agents=True)
    memloci.agents.process_queue()
    found = {m.title: m.id for m in memloci.list(limit=200)}
    block = memloci._parts.repo.core_block("human")
    from app.store.conversations import ConversationStore

    ConversationStore(memloci._parts.database).add_turn(
        "memloci-shot", "When is Beatrix's birthday?", "On 14 February [1]."
    )
    return {"beatrix": found["Beatrix"], "profile": block.id if block else ""}


def shoot(studio: Studio) -> None:
    from app.erase.selection import Selection
    from app.ui.erase_dialog import EraseDialog
    from app.ui.panes.graph import GraphPane
    from app.ui.panes.memories import TABS, MemoriesPane

    bridge, settle, ids = studio.bridge, studio.settle, studio.made
    for theme in studio.themes():
        pane = MemoriesPane(bridge)
        pane.resize(1500, 900)
        pane.show()
        pane.refresh()
        studio.save(pane, f"memories-all-{theme}", after=600)
        pane.open_memory(ids["beatrix"])
        studio.save(pane, f"entity-history-{theme}", after=1500)
        pane.open_memory(ids["profile"])
        studio.save(pane, f"profile-history-{theme}", after=1500)
        procedural = next(n for n, t in enumerate(TABS) if t[1] and t[1].value == "vault")
        pane.tabs.setCurrentIndex(procedural)
        studio.save(pane, f"empty-tab-{theme}", after=800)
        graph = GraphPane(bridge)
        graph.resize(1400, 850)
        graph.show()
        graph.activated()
        settle(2500)
        key = next((k for k in graph.nodes if "beatrix" in k), None)
        if key:
            graph.nodes[key].setSelected(True)
        studio.save(graph, f"graph-{theme}", after=800 if key else 0)
        preview = studio.memloci.data.erase_preview(Selection.last("15m"))
        dialog = EraseDialog(preview, "Recorded in the last 15 minutes")
        studio.passing(dialog, f"erase-turns-{theme}", after=300)
        graph.close()
        pane.close()


if __name__ == "__main__":
    with studio("/tmp/typed-shots", populate) as ready:
        shoot(ready)
