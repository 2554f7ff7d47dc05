"""A realistic demo store for screenshots and trying the app: a few hundred chat messages, hand-made
memories of every type and a day of screen sessions, dated around today.

    .venv/bin/python scripts/demo_store.py /tmp/memloci-demo     # then:
    MEMLOCI_HOME=/tmp/memloci-demo MEMLOCI_PASSPHRASE="demo passphrase" .venv/bin/memloci gui

Everything in it is invented (the chats are the development sets in scripts/bench/data). The
agents are not run, so the store is built in seconds without a model.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO_PASSPHRASE = "demo passphrase"
DATA = ROOT / "scripts" / "bench" / "data"

# (text, type, fields)
MEMORIES: list[tuple[str, str, dict[str, Any]]] = [
    ("Name: Ifeoma Nwosu (Ify)", "core", {"label": "human"}),
    ("E-mail: ify.nwosu@example.ie", "core", {"label": "human"}),
    (
        "Lives in Cork; teaches chemistry at Ballintemple Community School.",
        "core",
        {"label": "human"},
    ),
    ("Answer briefly and cite the memory each part came from.", "core", {"label": "persona"}),
    (
        "Nadia Petrova, a friend from the climbing club; works as a nurse in Galway.",
        "semantic",
        {"name": "Nadia Petrova"},
    ),
    ("Teodor, Nadia's brother; restores old bicycles.", "semantic", {"name": "Teodor"}),
    (
        "Ballintemple Community School, Cork: where Ify teaches.",
        "semantic",
        {"name": "Ballintemple Community School"},
    ),
    (
        "Lab safety review: the project for the chemistry department this term.",
        "semantic",
        {"name": "Lab safety review"},
    ),
    ("Prefers aisle seats and early flights.", "semantic", {"name": "Travel preferences"}),
    ("Parent-teacher evening in the sports hall", "episodic", {"event_type": "meeting"}),
    ("Booked the ferry to Inis Mór for the long weekend", "episodic", {"event_type": "plan"}),
    (
        "Renew the car tax",
        "procedural",
        {"steps": ["Find the PIN letter", "Open motortax.ie", "Pay by card", "Print the disc"]},
    ),
    (
        "Back up the class spreadsheets",
        "procedural",
        {"steps": ["Export from the school drive", "Copy to the USB disk", "Check one file opens"]},
    ),
    (
        "Periodic table poster (PDF)",
        "resource",
        {
            "title": "Periodic table poster",
            "resource_type": "document",
            "content": "A printable periodic table for the lab wall, A1 size.",
        },
    ),
    (
        "Reading list for the summer",
        "resource",
        {
            "title": "Summer reading",
            "resource_type": "note",
            "content": "The Periodic Table (Primo Levi); Napoleon's Buttons; Uncle Tungsten.",
        },
    ),
]

# (application, window title, start hour, start minute, minutes)
SESSIONS = [
    ("firefox", "Lab safety checklist - School drive", 9, 5, 38),
    ("libreoffice-writer", "Term report.odt - LibreOffice Writer", 9, 50, 55),
    ("thunderbird", "Inbox - Thunderbird", 11, 0, 12),
    ("firefox", "Ferries to Inis Mór - Aran Island Ferries", 12, 20, 9),
    ("code", "grades.py - Visual Studio Code", 14, 0, 70),
    ("firefox", "Ionic bonding - Khan Academy", 15, 25, 22),
    ("thunderbird", "Parent-teacher evening - Thunderbird", 16, 5, 6),
]


def _locomo_jsonl(source: Path, target: Path, last: datetime) -> int:
    """A LoCoMo-format conversation as Memloci chat JSON Lines, moved so it ends at `last`."""
    sys.path.insert(0, str(ROOT / "scripts" / "bench"))
    from locomo_retrieval import load

    sample_id, turns, _questions = load(source)
    shift = last.replace(tzinfo=None) - max(turn.when for turn in turns)
    with target.open("w", encoding="utf-8") as out:
        previous, minute = None, 0
        for turn in turns:
            minute = minute + 1 if turn.when == previous else 0  # a minute per turn
            previous = turn.when
            row: dict[str, Any] = {
                "id": f"{sample_id}-{turn.id}",
                "conversation": sample_id,
                "speaker": turn.speaker,
                "text": turn.text,
                "timestamp": (turn.when + shift + timedelta(minutes=minute)).isoformat(),
            }
            if turn.caption:
                row["attachments"] = [{"caption": turn.caption}]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(turns)


def build(home: Path, passphrase: str = DEMO_PASSPHRASE, now: datetime | None = None) -> dict:
    """Create the demo store under `home` (a new folder); returns what it holds."""
    from app.core import Memloci
    from app.domain import Source, to_iso

    now = (now or datetime.now()).astimezone()
    today = now.date()
    home.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with Memloci.open(home, passphrase) as memloci:
        settings = memloci.settings.with_value("model.answer_mode", "memories")
        memloci.save_settings(settings.with_value("capture.enabled", False))
        chats = home / "demo-chats"
        chats.mkdir(exist_ok=True)
        yesterday = datetime.combine(today - timedelta(days=1), time(21, 40)).astimezone()
        _locomo_jsonl(
            DATA / "locomo-dev" / "dev-nadia-teodor.json", chats / "nadia.jsonl", yesterday
        )
        counts["chat"] = memloci.import_chat(chats / "nadia.jsonl", agents=False).imported
        for folder in ("personal-dev", "personal-dev2"):
            result = memloci.import_chat(DATA / folder / "chat.jsonl", agents=False)
            counts["chat"] += result.imported
        for n, (text, kind, fields) in enumerate(MEMORIES):
            when = datetime.combine(today - timedelta(days=n % 9), time(8 + n % 10, 15))
            memloci.add(text, type=kind, fields=fields, occurred_at=when.astimezone())
        memloci.add(
            "Bank card PIN",
            type="vault",
            fields={
                "entry_type": "pin",
                "caption": "Bank card PIN",
                "secret_value": "4821",
                "sensitivity": "high",
            },
        )
        memloci.add(
            "Passport number",
            type="vault",
            fields={
                "entry_type": "id",
                "caption": "Passport number",
                "secret_value": "PX1234567",
                "sensitivity": "medium",
            },
        )
        store = memloci._parts.capture.store
        for n, (app, title, hour, minute, minutes) in enumerate(SESSIONS):
            start = datetime.combine(today, time(hour, minute)).astimezone()
            if start + timedelta(minutes=minutes) > now:  # early in the day: the day before
                start -= timedelta(days=1)
            end = start + timedelta(minutes=minutes)
            session_id = f"demo-session-{n}"
            memory = memloci.add(
                f"{title} in {app}",
                fields={"occurred_at": start.isoformat(), "event_type": "screen", "actor": app},
                sources=[Source("screen", session_id)],
            )
            with memloci._parts.database.write() as db:
                store.insert_session(
                    db,
                    {
                        "id": session_id,
                        "memory_id": memory.id,
                        "window_key": f"demo-{app}",
                        "app": app,
                        "title": title,
                        "started_at": to_iso(start),
                        "ended_at": to_iso(end),
                        "status": "closed",
                    },
                )
        counts["screen sessions"] = len(SESSIONS)
        counts["memories"] = memloci.stats().total
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path, help="a new folder for the store")
    parser.add_argument("--passphrase", default=DEMO_PASSPHRASE)
    args = parser.parse_args()
    if args.home.exists() and any(args.home.iterdir()):
        sys.exit(f"{args.home} is not empty; give a new folder.")
    print(json.dumps(build(args.home, args.passphrase)))


if __name__ == "__main__":
    main()
