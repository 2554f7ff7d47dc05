#!/usr/bin/env python3
"""Screenshots of what issue 21's "people" part changed, to look at: a memory's detail in plain
words (a fact from an imported chat with Jonas), the New dialog with each type explained, and the
chat pane with its list of kept conversations; light and dark.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots/people.py [--out /tmp/people-shots]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MESSAGES = [
    ("D2:9", "me", "How was the first week?", "2023-05-04T11:58:00Z"),
    ("D2:10", "Jonas", "Great! I started at Hurtigruten in Tromsø", "2023-05-04T12:00:00Z"),
    ("D2:11", "Jonas", "The office is right by the harbour", "2023-05-04T12:01:00Z"),
]


def populate(memloci: object, folder: Path) -> dict[str, str]:
    from app.domain import Source

    path = folder / "chat.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": i, "conversation": "D2", "speaker": s, "text": t, "timestamp": at})
            for i, s, t, at in MESSAGES
        )
        + "\n"
    )
    memloci.import_chat(path, agents=False)  # type: ignore[attr-defined]
    fact = memloci.add(  # type: ignore[attr-defined]
        "Jonas works at Hurtigruten in Tromsø",
        type="semantic",
        fields={"name": "Jonas"},
        sources=[Source("chat", "D2:10")],
        actor="agent:extractor",
        origin="agent",
    )
    memloci.update(  # type: ignore[attr-defined]
        fact.id, "Jonas works at Hurtigruten, by the harbour in Tromsø", reason="he said where"
    )
    memloci.add(  # type: ignore[attr-defined]
        "Glazes for stoneware",
        type="resource",
        fields={"title": "Glazes for stoneware", "resource_type": "web_page"},
    )
    return {"fact": fact.id}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/people-shots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtWidgets import QApplication

    from app.core import Memloci
    from app.ui.bridge import Bridge
    from app.ui.panes.chat import ChatPane
    from app.ui.panes.memories import MemoriesPane
    from app.ui.panes.memory_edit import MemoryForm
    from app.ui.theme import apply as apply_theme
    from tests.ui.fakes import ScriptedModel

    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as home:
        os.environ["MEMLOCI_PASSPHRASE"] = "correct horse battery staple"
        memloci = Memloci.open(Path(home) / "home", "correct horse battery staple")
        ids = populate(memloci, Path(home))
        memloci._parts.llm.use(ScriptedModel("Jonas works at Hurtigruten [1]."))
        for question in ("Where does Jonas work?", "What did I read about glazes?"):
            session = memloci.start_chat()
            memloci.chat_turn(session, question)
        bridge = Bridge()
        bridge.attach(memloci)

        def settle(ms: int = 600) -> None:
            from PySide6.QtCore import QEventLoop, QTimer

            for _ in range(ms // 50):
                loop = QEventLoop()
                QTimer.singleShot(50, loop.quit)
                loop.exec()
            while bridge.inflight:
                app.processEvents()

        for theme in ("light", "dark"):
            apply_theme(app, theme)
            pane = MemoriesPane(bridge)
            pane.resize(1500, 900)
            pane.show()
            pane.refresh()
            settle()
            pane.open_memory(ids["fact"])
            settle(1200)
            pane.grab().save(str(out / f"memory-detail-{theme}.png"))
            form = MemoryForm(pane)
            form.show()
            settle(200)
            form.grab().save(str(out / f"new-memory-{theme}.png"))
            form.close()
            chat = ChatPane(bridge)
            chat.resize(1300, 800)
            chat.show()
            chat.activated()
            settle(1500)
            chat.grab().save(str(out / f"chat-conversations-{theme}.png"))
            from app.ui.import_flow import ImportDialog

            chat_path = Path(home) / "chat.jsonl"
            dialog = ImportDialog(memloci.preview_chat(chat_path), [])
            dialog.show()
            settle(200)
            dialog.grab().save(str(out / f"import-dialog-{theme}.png"))
            dialog.close()
            from app.ui.panes.settings import SettingsPane

            class NoTray:
                available = False

            class Controller:
                tray = NoTray()

            settings = SettingsPane(bridge, controller=Controller())
            settings.resize(1100, 700)
            settings.show()
            tabs = settings.tabs
            names = [tabs.tabText(n) for n in range(tabs.count())]
            tabs.setCurrentIndex(next(n for n, t in enumerate(names) if "Security" in t))
            settle(300)
            settings.grab().save(str(out / f"settings-security-{theme}.png"))
            settings.close()
            pane.close()
            chat.close()
        bridge.shutdown()
        memloci.close()
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))


if __name__ == "__main__":
    main()
