"""How fast time words are read: microseconds per chat message (`find_dates`) and per search
query (`parse_query`), and what importing the module costs.

    .venv/bin/python scripts/bench/timewords_speed.py [--data ../shared/bench/locomo/conv-26.json]

Messages and questions come from a LoCoMo conversation when one is given (or found in the
shared benchmark folder), else from sentences written here. Each figure is the best of several
rounds of process time, so other work on the machine matters less. With `dateparser`
importable (it is not a dependency), its `search_dates` is timed on the same messages.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine

DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "locomo" / "conv-26.json"
SENTENCES = [
    "Hey! How are you doing? I've been so busy with work lately, barely had time to paint.",
    "We went camping last weekend and on Sunday morning we hiked to the lake at 7am.",
    "Her birthday is on 14 February; the party is next Saturday at 8pm, see you there!",
    "The gym closes at 9pm on weekdays, so I go before work instead.",
    "Two days after we landed in Lima on 2 August 2022 we took the bus to Cusco.",
    "Nothing much, just reading and cooking. What about you?",
]
QUESTIONS = [
    "When did Ines start her job at the bakery?",
    "What did I cook last summer?",
    "photos from the week after 3 May 2023",
    "What did Lars do the Friday before 15 July 2023?",
]


def texts(path: Path | None) -> tuple[list[str], list[str]]:
    if path is None or not path.exists():
        return SENTENCES * 50, QUESTIONS * 50
    data = json.loads(path.read_text(encoding="utf-8"))
    conversation = data["conversation"]
    messages = [
        turn["text"]
        for key, turns in conversation.items()
        if re.fullmatch(r"session_\d+", key) and isinstance(turns, list)
        for turn in turns
    ]
    return messages, [item["question"] for item in data["qa"]]


def per_item(fn: Callable[[str], object], items: Sequence[str], rounds: int = 9) -> float:
    """Best microseconds per item over `rounds` passes (process time)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for item in items:
            fn(item)
        best = min(best, (time.process_time() - started) / len(items))
    return best * 1e6


def import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return 1000 * float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    from app.timewords import find_dates, parse_query

    messages, questions = texts(args.data)
    now = datetime(2023, 5, 8, 13, 56).astimezone()
    print(f"machine: {machine()}")
    average = sum(map(len, messages)) / len(messages)
    print(f"{len(messages)} messages ({average:.0f} characters on average)")
    print(f"{len(questions)} queries")
    print()
    print("| reader | per message (us) | per query (us) | import (ms) |")
    print("|---|---|---|---|")
    ours = per_item(lambda t: find_dates(t, now), messages)
    query = per_item(lambda t: parse_query(t, now), questions)
    print(f"| app.timewords | {ours:.1f} | {query:.1f} | {import_ms('app.timewords'):.0f} |")
    try:
        from dateparser.search import search_dates
    except ImportError:
        print("(dateparser not installed: not compared)")
        return
    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "past"}
    search_dates(messages[0], settings=settings, languages=["en"])  # loads its language data
    theirs = per_item(
        lambda t: search_dates(t, settings=settings, languages=["en"]), messages, rounds=2
    )
    print(f"| dateparser.search_dates | {theirs:.1f} | - | {import_ms('dateparser'):.0f} |")


if __name__ == "__main__":
    main()
