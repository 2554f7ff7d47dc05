"""Write the development data sets under scripts/bench/data/ from the scripts in devdata/.

    python scripts/bench/make_dev_data.py [--check]

The benchmarks' own examples (LoCoMo conv-26, the shared personal chat) are the only data the
team's figures are tuned on; these sets look like a stranger's data instead, so a change that
only fits those examples shows up here. Conversations are hand-written passages (devdata/*.conv)
stitched with filler lines drawn from seeded pools (devdata/pools.txt), every "when" said
relative to its session's date and every answer computed from what was said. Personal chats are
devdata/*.chat plus their expect.json. `--check` rebuilds in memory and fails if the committed
files differ or a rule is broken (sizes, categories, evidence, names borrowed from the shared
examples).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import shared_bench
from devdata import engine

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "devdata"
DATA = HERE / "data"
SHARED = shared_bench()
COMMON = set(
    """I I'm I've I'd I'll OK Ok Oh Mr Mrs Dr Mum Dad Mom Grandma Granny Easter Christmas Valentine
    Valentine's Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March
    April May June July August September October November December English British""".split()
)


def conversation_files() -> dict[Path, str]:
    pools = engine.load_pools()
    out: dict[Path, str] = {}
    for source in sorted(SOURCES.glob("*.conv")):
        conv = engine.build(source, pools)
        data = engine.to_locomo(conv)
        check_conversation(source.name, data)
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        out[DATA / "locomo-dev" / f"{conv.sample_id}.json"] = text
    return out


def check_conversation(name: str, data: dict) -> None:
    conv = data["conversation"]
    sessions = [k for k in conv if re.fullmatch(r"session_\d+", k)]
    problems = []
    if not 10 <= len(sessions) <= 25:
        problems.append(f"{len(sessions)} sessions (want 10-25)")
    for key in sessions:
        if not 10 <= len(conv[key]) <= 30:
            problems.append(f"{key} has {len(conv[key])} turns (want 10-30)")
    qa = data["qa"]
    if not 60 <= len(qa) <= 150:
        problems.append(f"{len(qa)} questions (want 60-150)")
    categories = Counter(q["category"] for q in qa)
    if set(categories) != {1, 2, 3, 4}:
        problems.append(f"categories {dict(categories)} (want all of 1-4)")
    ids = {t["dia_id"] for k in sessions for t in conv[k]}
    for q in qa:
        if not set(q["evidence"]) <= ids:
            problems.append(f"evidence {q['evidence']} of {q['question']!r} is not in the chat")
    seen = Counter(q["question"] for q in qa)
    problems += [f"question asked twice: {q!r}" for q, n in seen.items() if n > 1]
    if problems:
        raise SystemExit(f"{name}: " + "; ".join(problems))


def chat_files() -> dict[Path, str]:
    """devdata/NAME.chat (one message a line: `YYYY-MM-DD HH:MM [+HH:MM] | conversation | speaker
    | text`, "\\n" for a line break) and devdata/NAME.expect.json become data/NAME/chat.jsonl and
    expect.json."""
    out: dict[Path, str] = {}
    for source in sorted(SOURCES.glob("*.chat")):
        name = source.stem
        prefix = json.loads((SOURCES / f"{name}.expect.json").read_text())["_id_prefix"]
        lines = []
        counts: Counter[str] = Counter()
        for number, raw in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip() or raw.startswith("#"):
                continue
            parts = [p.strip() for p in raw.split("|", 3)]
            if len(parts) != 4:
                raise SystemExit(f"{source.name}:{number}: want 'when | conversation | who | text'")
            when, conversation, speaker, text = parts
            day, clock, *zone = when.split()
            stamp = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M").isoformat()
            stamp += zone[0] if zone else ""
            text = text.replace("\\n", "\n")
            kind = "u" if speaker == "me" else ("a" if speaker == "assistant" else "f")
            counts[kind] += 1
            message = {
                "id": f"{prefix}-{kind}{counts[kind]}",
                "conversation": conversation,
                "speaker": speaker,
                "text": text,
                "timestamp": stamp,
            }
            lines.append(json.dumps(message, ensure_ascii=False))
        expect = json.loads((SOURCES / f"{name}.expect.json").read_text())
        expect.pop("_id_prefix")
        out[DATA / name / "chat.jsonl"] = "\n".join(lines) + "\n"
        out[DATA / name / "expect.json"] = json.dumps(expect, ensure_ascii=False, indent=1) + "\n"
    return out


def proper_nouns(text: str) -> set[str]:
    """Capitalised words that are not at the start of a sentence."""
    found = set()
    for m in re.finditer(r"(?<=[a-z,;:'\"] )[A-Z][A-Za-z'-]+", text):
        found.add(m.group(0).removesuffix("'s"))
    return found - COMMON


def borrowed(files: dict[Path, str]) -> list[str]:
    """Names in the new sets that also occur in the shared examples (they must not)."""
    shared = ""
    for path in (SHARED / "locomo" / "conv-26.json", SHARED / "personal" / "chat.jsonl"):
        if path.exists():
            shared += path.read_text(encoding="utf-8")
    if not shared:
        return []
    theirs = proper_nouns(shared)
    ours: set[str] = set()
    for text in files.values():
        ours |= proper_nouns(text)
    return sorted(ours & theirs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="Fail if the files are not current.")
    args = parser.parse_args()
    files = {**conversation_files(), **chat_files()}
    reused = borrowed(files)
    if reused:
        print(f"names also in the shared examples: {', '.join(reused)}")
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    if args.check:
        if stale or reused:
            raise SystemExit(f"out of date: {', '.join(str(p.relative_to(HERE)) for p in stale)}")
        print(f"{len(files)} files current")
        return
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in sorted(p for p in files if p.suffix == ".json" and "locomo-dev" in p.parts):
        data = json.loads(files[path])
        conv = data["conversation"]
        sessions = [k for k in conv if re.fullmatch(r"session_\d+", k)]
        turns = sum(len(conv[k]) for k in sessions)
        cats = dict(sorted(Counter(q["category"] for q in data["qa"]).items()))
        first, last = conv["session_1_date_time"], conv[f"session_{len(sessions)}_date_time"]
        print(
            f"{path.name}: {len(sessions)} sessions, {turns} turns, {len(data['qa'])} questions "
            f"{cats}, {first} .. {last}"
        )
    print(f"wrote {len(files)} files under {DATA.relative_to(HERE.parents[1])}")


if __name__ == "__main__":
    main()
