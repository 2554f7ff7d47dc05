"""Development loop for app.reading: how many expected typed memories a chat yields, read
without a model, and how fast.

Usage: PYTHONPATH=$PWD .venv/bin/python scripts/bench/reading_dev.py [SET_DIR ...]
       [--show] [--miss] [--locomo PATH] [--sample N]

Each SET_DIR holds chat.jsonl and expect.json (the personal benchmark's format). Candidates
are rendered as they would be stored (app.reading.render) and checked like the scorer does:
type + every keyword in text/fields/title (+ the day for events), no yearly date filed as an
event, no stale value in core, no injected secret anywhere. Default sets: the shared personal
set and every personal-dev* folder found under scripts/bench/data here or in the bench-data
worktree.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from _common import shared_bench

from app.reading import PersonContext, read
from app.reading.render import memories

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SETS = [
    shared_bench() / "personal",
    *sorted(p for p in (ROOT / "scripts/bench/data").glob("personal-dev*") if p.is_dir()),
]


def blob(m: dict) -> str:
    fields = json.dumps(m.get("fields", {}), ensure_ascii=False)
    return f"{m.get('text', '')} {fields} {m.get('title') or ''}".lower()


def score_set(path: Path, show: bool, misses: bool, chooser: object = None) -> dict:
    exp = json.loads((path / "expect.json").read_text())
    rows = [json.loads(line) for line in (path / "chat.jsonl").read_text().splitlines() if line]
    names = tuple(n.strip() for n in exp.get("person_names", "").split(",") if n.strip())
    t0 = time.perf_counter()
    reading = read(rows, PersonContext(names), chooser=chooser)  # type: ignore[arg-type]
    ms = (time.perf_counter() - t0) * 1000
    person = names[0] if names else "the user"
    if chooser is not None:
        for fact in reading.person_facts:
            if fact.value == fact.span.text.strip(" ,.;"):
                print(f"  chooser filed {fact.slot}: {fact.value!r}")
    mems = memories(reading, person)
    hits = 0
    by_type: dict[str, list[int]] = {}
    for item in exp["typed"]:
        kind, keywords = item[0], item[1]
        day = item[2] if len(item) > 2 else None
        ok = any(
            m["type"] == kind
            and all(k.lower() in blob(m) for k in keywords)
            and (day is None or (m.get("occurred_at") or "").startswith(day))
            for m in mems
        )
        hits += ok
        slot = by_type.setdefault(kind, [0, 0])
        slot[0] += ok
        slot[1] += 1
        if misses and not ok:
            print(f"  MISS {kind:10} {keywords} {day or ''}")
    misfiled = [
        m
        for m in mems
        if m["type"] == "episodic"
        and (m.get("occurred_at") or "")[5:10] in exp.get("no_event_on", [])
    ]
    core = " ".join(blob(m) for m in mems if m["type"] == "core")
    stale = [s for s in exp.get("stale_in_core", []) if s.lower() in core]
    leaks = [s for s in exp.get("never_anywhere", []) if any(s.lower() in blob(m) for m in mems)]
    if show:
        for m in mems:
            when = f" @{m['occurred_at'][:10]}" if m.get("occurred_at") else ""
            print(f"  [{m['type']}{when}] {m['text']!r}"[:400])
    return {
        "set": path.name,
        "typed": hits,
        "of": len(exp["typed"]),
        "by_type": by_type,
        "misfiled": len(misfiled),
        "stale": stale,
        "leaks": leaks,
        "messages": len(rows),
        "ms_per_message": ms / max(1, len(rows)),
        "memories": len(mems),
    }


def locomo(path: Path, sample: int) -> None:
    """Read a LoCoMo conversation: speed, counts, and a random sample of candidates to check."""
    from datetime import datetime

    data = json.loads(path.read_text())
    conv = data["conversation"]
    rows = []
    n = 1
    while f"session_{n}" in conv:
        stamp = datetime.strptime(conv[f"session_{n}_date_time"], "%I:%M %p on %d %B, %Y")
        for turn in conv[f"session_{n}"]:
            rows.append(
                {
                    "id": turn["dia_id"],
                    "speaker": turn["speaker"],
                    "text": turn["text"],
                    "timestamp": stamp.isoformat(),
                    "conversation": f"session_{n}",
                }
            )
        n += 1
    speaker = conv["speaker_a"]
    t0 = time.perf_counter()
    reading = read(rows, PersonContext((speaker,)))
    ms = (time.perf_counter() - t0) * 1000
    mems = memories(reading, speaker)
    counts: dict[str, int] = {}
    for m in mems:
        counts[m["type"]] = counts.get(m["type"], 0) + 1
    print(
        f"locomo {path.name}: {len(rows)} turns as {speaker}, {ms / len(rows):.2f} ms/turn, "
        f"{len(mems)} memories {counts}"
    )
    rng = random.Random(26)
    for m in rng.sample(mems, min(sample, len(mems))):
        when = f" @{m['occurred_at'][:10]}" if m.get("occurred_at") else ""
        print(f"  [{m['type']}{when}] {m['text'][:220]!r} <{','.join(m['sources'][:3])}>")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*", type=Path)
    ap.add_argument("--show", action="store_true", help="print every proposed memory")
    ap.add_argument("--miss", action="store_true", help="print the expected items missed")
    ap.add_argument("--locomo", type=Path, help="a LoCoMo conversation JSON to read too")
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument(
        "--chooser",
        action="store_true",
        help="let the bundled model choose where the rules leave a clause open",
    )
    args = ap.parse_args()
    chooser = None
    if args.chooser:
        from app.llm.bundled import bundled_model_path
        from app.llm.local import LlamaCppModel
        from app.reading.choice import ModelChooser

        path = bundled_model_path()
        if path is None:
            sys.exit("No bundled model found.")
        chooser = ModelChooser(LlamaCppModel(path))
    read([], PersonContext())  # load the lexicon once, outside the timings
    from app.reading import lexicon

    lexicon.analyses("warm")
    lexicon.verb_form("warmed")
    total = [0, 0]
    for path in args.sets or DEFAULT_SETS:
        if not (path / "expect.json").exists():
            continue
        print(f"== {path}")
        res = score_set(path, args.show, args.miss, chooser)
        bt = " ".join(f"{k}={v[0]}/{v[1]}" for k, v in res["by_type"].items())
        print(
            f"{res['set']}: typed {res['typed']}/{res['of']} ({bt}) misfiled {res['misfiled']} "
            f"stale {res['stale']} leaks {res['leaks']} | {res['messages']} messages, "
            f"{res['ms_per_message']:.2f} ms/message, {res['memories']} memories"
        )
        total[0] += res["typed"]
        total[1] += res["of"]
    print(f"TOTAL typed {total[0]}/{total[1]}")
    if chooser is not None:
        print(f"chooser calls: {chooser.calls}")
    if args.locomo:
        locomo(args.locomo, args.sample)


if __name__ == "__main__":
    sys.exit(main())
