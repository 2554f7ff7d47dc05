#!/usr/bin/env python3
"""Screenshots of issue 15's memories in the app, to look at: a personal chat read by the
memory agents (no model), then the Memories table (Kind column, the type's line), a person
whose address and phone changed ("How it changed"), the "About you" profile with its replaced
lines, the graph with the person's relations, an empty tab, and the erase dialog counting
conversation turns; light and dark.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots/typed.py [--out /tmp/typed-shots]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
    memloci.process_queue()
    found = {m.title: m.id for m in memloci.list(limit=200)}
    block = memloci._parts.repo.core_block("human")
    from app.store.conversations import ConversationStore

    ConversationStore(memloci._parts.database).add_turn(
        "memloci-shot", "When is Beatrix's birthday?", "On 14 February [1]."
    )
    return {"beatrix": found["Beatrix"], "profile": block.id if block else ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/typed-shots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core import Memloci
    from app.erase.selection import Selection
    from app.ui.bridge import Bridge
    from app.ui.erase_dialog import EraseDialog
    from app.ui.panes.graph import GraphPane
    from app.ui.panes.memories import TABS, MemoriesPane
    from app.ui.theme import apply as apply_theme

    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as home:
        memloci = Memloci.open(Path(home) / "home", "correct horse battery staple")
        ids = populate(memloci, Path(home))
        bridge = Bridge()
        bridge.attach(memloci)

        def settle(ms: int = 600) -> None:
            for _ in range(ms // 50):
                loop = QEventLoop()
                QTimer.singleShot(50, loop.quit)
                loop.exec()
            deadline = time.monotonic() + 20  # a closed pane's call may never come back
            while bridge.inflight and time.monotonic() < deadline:
                app.processEvents()

        for theme in ("light", "dark"):
            apply_theme(app, theme)
            pane = MemoriesPane(bridge)
            pane.resize(1500, 900)
            pane.show()
            pane.refresh()
            settle()
            pane.grab().save(str(out / f"memories-all-{theme}.png"))
            pane.open_memory(ids["beatrix"])
            settle(1500)
            pane.grab().save(str(out / f"entity-history-{theme}.png"))
            pane.open_memory(ids["profile"])
            settle(1500)
            pane.grab().save(str(out / f"profile-history-{theme}.png"))
            procedural = next(n for n, t in enumerate(TABS) if t[1] and t[1].value == "vault")
            pane.tabs.setCurrentIndex(procedural)
            settle(800)
            pane.grab().save(str(out / f"empty-tab-{theme}.png"))
            graph = GraphPane(bridge)
            graph.resize(1400, 850)
            graph.show()
            graph.activated()
            settle(2500)
            key = next((k for k in graph.nodes if "beatrix" in k), None)
            if key:
                graph.nodes[key].setSelected(True)
                settle(800)
            graph.grab().save(str(out / f"graph-{theme}.png"))
            dialog = EraseDialog(
                memloci.erase_preview(Selection.last("15m")), "Recorded in the last 15 minutes"
            )
            dialog.show()
            settle(300)
            dialog.grab().save(str(out / f"erase-turns-{theme}.png"))
            dialog.close()
            graph.close()
            pane.close()
        bridge.shutdown()
        memloci.close()
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))


if __name__ == "__main__":
    main()
