"""LoCoMo evidence recall: Memloci's real import and search against raw-turn baselines.

    .venv/bin/python scripts/bench/locomo_retrieval.py [--conv FILE_OR_DIR ...] [--agents]
                                                       [--json OUT]

`--conv` (repeatable) takes LoCoMo conversation files or folders of them, e.g.
scripts/bench/data/locomo-dev (the development conversations); the default is
../shared/bench/locomo/conv-26.json. Each conversation goes into its own fresh store; figures are
printed per conversation and per category, then pooled over every question of every conversation.

Every turn of the conversation is written as a JSON Lines chat export (id, speaker, text, the
session's date as its timestamp, a shared photo's caption as an attachment) and imported with
`Memloci.import_chat` (agents off, as `memloci import-chat --no-agents` does; with --agents the
memory agents then organise it, as `memloci agents run` does). Each question of
categories 1-4 then goes through `Memloci.search`; the top k hits are mapped back to the turns
they came from through their sources. A question counts as found when all of its evidence turns
are among them ("all"), or at least one ("any"). Answers and evidence ids are only read to score.

In the same run, three baselines over the raw turns ("speaker: text", as in the dataset README):
BM25 (Okapi, lowercase alphanumeric tokens), dense all-MiniLM-L6-v2 cosine, and their reciprocal
rank fusion (k=60).

Other benchmarks (the agents' one) reuse `load`, `write_jsonl`, `questions` and `evaluate`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, peak_rss_mib, shared_bench, temporary_home, warm_up

DEFAULT_DATA = shared_bench() / "locomo" / "conv-26.json"
KS = (5, 10, 20)
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


@dataclass(frozen=True)
class Turn:
    id: str  # dia_id, e.g. "D1:3"
    speaker: str
    text: str
    caption: str | None
    when: datetime


@dataclass(frozen=True)
class Question:
    text: str
    evidence: frozenset[str]
    category: int


def load(path: Path) -> tuple[str, list[Turn], list[Question]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    conversation = data["conversation"]
    turns: list[Turn] = []
    sessions = sorted(
        (int(m.group(1)), key)
        for key in conversation
        if (m := re.fullmatch(r"session_(\d+)", key)) and conversation[key]
    )
    for number, key in sessions:
        when = datetime.strptime(
            conversation[f"session_{number}_date_time"], "%I:%M %p on %d %B, %Y"
        )
        for turn in conversation[key]:
            turns.append(
                Turn(turn["dia_id"], turn["speaker"], turn["text"], turn.get("blip_caption"), when)
            )
    return data["sample_id"], turns, questions(data)


def questions(data: dict) -> list[Question]:
    found = []
    for item in data["qa"]:
        if item.get("category") not in CATEGORIES:
            continue
        evidence = frozenset(re.findall(r"D\d+:\d+", " ".join(map(str, item.get("evidence", [])))))
        if evidence:
            found.append(Question(item["question"], evidence, item["category"]))
    return found


def write_jsonl(sample_id: str, turns: Sequence[Turn], path: Path) -> None:
    """The conversation as a chat export: one conversation, each turn at its session's date."""
    with open(path, "w", encoding="utf-8") as out:
        for turn in turns:
            message = {
                "id": f"{sample_id}:{turn.id}",
                "conversation": sample_id,
                "speaker": turn.speaker,
                "text": turn.text,
                "timestamp": turn.when.isoformat(),
            }
            if turn.caption:
                message["attachments"] = [{"caption": turn.caption}]
            out.write(json.dumps(message, ensure_ascii=False) + "\n")


Ranker = Callable[[Question], list[str]]  # turn ids, best first


Hits = list[tuple[int, dict[str, dict[int, bool]]]]  # per question: category, all/any -> k -> hit


def tally(rank: Ranker, items: Sequence[Question]) -> Hits:
    """Whether each question's evidence is in the top k ("all" of it, or "any")."""
    hits: Hits = []
    for question in items:
        ranked = rank(question)
        found: dict[str, dict[int, bool]] = {"all": {}, "any": {}}
        for k in KS:
            top = set(ranked[:k])
            found["all"][k] = question.evidence <= top
            found["any"][k] = bool(question.evidence & top)
        hits.append((question.category, found))
    return hits


def summarize(hits: Hits) -> dict:
    """Recall@k ("all" and "any"), overall and per category."""

    def mean(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 0.0

    def rates(subset: Hits) -> dict:
        return {n: {k: mean([h[n][k] for _, h in subset]) for k in KS} for n in ("all", "any")}

    categories = sorted({c for c, _ in hits})
    return {
        **rates(hits),
        "by_category": {c: rates([x for x in hits if x[0] == c]) for c in categories},
        "questions": len(hits),
        "per_category_count": dict(sorted(Counter(c for c, _ in hits).items())),
        "hits": hits,
    }


def evaluate(rank: Ranker, items: Sequence[Question]) -> dict:
    """Recall@k ("all" and "any"), overall and per category (without the per-question hits)."""
    summary = summarize(tally(rank, items))
    del summary["hits"]
    return summary


# -- baselines over raw turns -------------------------------------------------------------------
def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


class Okapi:
    """BM25Okapi as rank_bm25 computes it (k1 1.5, b 0.75, epsilon 0.25)."""

    def __init__(self, docs: Sequence[str], k1: float = 1.5, b: float = 0.75, eps: float = 0.25):
        self.docs = [Counter(_tokens(d)) for d in docs]
        self.lengths = [sum(c.values()) for c in self.docs]
        self.avg = sum(self.lengths) / len(self.lengths)
        self.k1, self.b = k1, b
        frequency = Counter(t for c in self.docs for t in c)
        n = len(docs)
        idf = {t: math.log(n - f + 0.5) - math.log(f + 0.5) for t, f in frequency.items()}
        floor = eps * sum(idf.values()) / len(idf)
        self.idf = {t: (v if v >= 0 else floor) for t, v in idf.items()}

    def rank(self, query: str) -> list[int]:
        terms = _tokens(query)
        scores = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self.avg)
            scores.append(
                sum(self.idf.get(t, 0.0) * doc[t] * (self.k1 + 1) / (doc[t] + norm) for t in terms)
            )
        return sorted(range(len(scores)), key=lambda i: -scores[i])


def baselines(turns: Sequence[Turn], items: Sequence[Question]) -> dict[str, dict]:
    import numpy as np

    from app.embed.minilm import MiniLMEmbedder
    from app.search.fusion import rrf

    docs = [f"{t.speaker}: {t.text}" for t in turns]
    ids = [t.id for t in turns]
    bm25 = Okapi(docs)
    embedder = MiniLMEmbedder(Path(__import__("os").environ["MEMLOCI_HOME"]) / "cache")
    matrix = embedder.embed(docs)
    query_vectors = {
        q.text: v for q, v in zip(items, embedder.embed([q.text for q in items]), strict=True)
    }

    def lexical(q: Question) -> list[str]:
        return [ids[i] for i in bm25.rank(q.text)]

    def dense(q: Question) -> list[str]:
        return [ids[i] for i in np.argsort(-(matrix @ query_vectors[q.text]))]

    return {
        "BM25 (raw turns)": summarize(tally(lexical, items)),
        "dense MiniLM (raw turns)": summarize(tally(dense, items)),
        "RRF k=60 (raw turns)": summarize(
            tally(lambda q: rrf([lexical(q), dense(q)], k=60), items)
        ),
    }


# -- Memloci --------------------------------------------------------------------------------------
def memloci_ranker(memloci, sample_id: str, limit: int = max(KS)) -> Ranker:
    """Turn ids of Memloci's hits, in rank order, through each hit's chat sources."""
    prefix = f"{sample_id}:"

    def rank(question: Question) -> list[str]:
        turns: list[str] = []
        for hit in memloci.search(question.text, limit=limit):
            for source in hit.sources:
                if source.kind == "chat" and source.ref.startswith(prefix):
                    turn = source.ref.removeprefix(prefix)
                    if turn not in turns:
                        turns.append(turn)
        return turns

    return rank


def conversations(paths: Sequence[Path]) -> list[Path]:
    """The conversation files named, a folder standing for the *.json files in it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.json"))
        elif path.exists():
            found.append(path)
        else:
            raise SystemExit(f"{path} does not exist.")
    if not found:
        raise SystemExit("No conversation files found.")
    return found


def run_one(
    path: Path, settings_args: Sequence[str], keep: Path | None, agents: bool = False
) -> dict:
    """Import one conversation into a fresh store (and with `agents`, let the memory agents
    read it), search every question, score the baselines."""
    sample_id, turns, items = load(path)
    with temporary_home(keep) as home:
        warm_up(home)
        from app.core import Memloci

        export = home / f"{sample_id}.jsonl"
        write_jsonl(sample_id, turns, export)
        with Memloci.open(home) as memloci:
            settings = memloci.settings
            for assignment in settings_args:
                name, _, value = assignment.partition("=")
                settings = settings.with_value(name.strip(), json.loads(value))
            memloci.save_settings(settings)
        with Memloci.open(home) as memloci:
            started = time.perf_counter()
            result = memloci.import_chat(export, agents=agents)
            stored = time.perf_counter() - started
            started = time.perf_counter()
            memloci.index_sync()
            if agents:
                memloci.agents.process_queue()
                memloci.index_sync()
            indexed = time.perf_counter() - started
            started = time.perf_counter()
            ours = summarize(tally(memloci_ranker(memloci, sample_id), items))
            searching = time.perf_counter() - started
        reference = baselines(turns, items)
    return {
        "sample_id": sample_id,
        "turns": len(turns),
        "imported": result.imported,
        "store_s": stored,
        "embed_s": indexed,
        "search_ms": 1000 * searching / max(1, len(items)),
        "methods": {**reference, MEMLOCI: ours},
    }


MEMLOCI = "**Memloci hybrid search**"
SHORT = {
    "BM25 (raw turns)": "BM25",
    "dense MiniLM (raw turns)": "MiniLM",
    "RRF k=60 (raw turns)": "RRF",
    MEMLOCI: "Memloci",
}


def _line(name: str, result: dict) -> str:
    a, n = result["all"], result["any"]
    return (
        f"| {name} | {a[5]:.3f} | {n[5]:.3f} | {a[10]:.3f} | {n[10]:.3f} | "
        f"{a[20]:.3f} | {n[20]:.3f} |"
    )


def report(title: str, methods: dict[str, dict]) -> None:
    """One table of methods, one of categories (Memloci in full, the baselines at R@10 all)."""
    ours = methods[MEMLOCI]
    print(f"### {title}")
    print()
    print("| method | R@5 all | R@5 any | R@10 all | R@10 any | R@20 all | R@20 any |")
    print("|---|---|---|---|---|---|---|")
    for name, values in methods.items():
        print(_line(name, values))
    best = max(v["all"][10] for name, v in methods.items() if name != MEMLOCI)
    ratio = f"{ours['all'][10] / best:.2f}x" if best else "n/a"
    print()
    print(f"R@10 (all): Memloci {ours['all'][10]:.3f} vs best raw baseline {best:.3f} ({ratio})")
    print()
    others = [n for n in methods if n != MEMLOCI]
    head = " | ".join(f"{SHORT[n]} R@10 all" for n in others)
    print(f"| category | questions | R@5 all | R@5 any | R@10 all | R@10 any | {head} |")
    print("|---|---|---|---|---|---|" + "---|" * len(others))
    for category, values in ours["by_category"].items():
        count = ours["per_category_count"][category]
        a, n = values["all"], values["any"]
        rest = " | ".join(f"{methods[o]['by_category'][category]['all'][10]:.3f}" for o in others)
        print(
            f"| {category} {CATEGORIES[category]} | {count} | {a[5]:.3f} | {n[5]:.3f} | "
            f"{a[10]:.3f} | {n[10]:.3f} | {rest} |"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--conv",
        "--data",
        dest="conv",
        type=Path,
        action="append",
        metavar="FILE_OR_DIR",
        help="A LoCoMo conversation file or a folder of them (repeatable; default conv-26).",
    )
    parser.add_argument("--home", type=Path, help="Keep the store here (one conversation only).")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A setting for this run, e.g. retrieval.dense_weight=0.4 (repeatable).",
    )
    parser.add_argument(
        "--agents",
        action="store_true",
        help="Let the memory agents read each conversation after the import (default: off).",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="Also write the figures here.")
    args = parser.parse_args()
    paths = conversations(args.conv or [DEFAULT_DATA])
    if args.home and len(paths) > 1:
        raise SystemExit("--home keeps one store: name one conversation with it.")
    print(f"machine: {machine()}")
    if args.set:
        print(f"settings: {', '.join(args.set)}")
    print(f"agents: {'on (imported, then organised)' if args.agents else 'off (--no-agents)'}")
    print()
    runs = []
    for path in paths:
        run = run_one(path, args.set, args.home, args.agents)
        runs.append(run)
        ours = run["methods"][MEMLOCI]
        print(
            f"## LoCoMo {run['sample_id']} ({path.name}): {run['turns']} turns, "
            f"{ours['questions']} questions (by category {ours['per_category_count']})"
        )
        print(
            f"import: {run['imported']} messages stored in {run['store_s']:.2f} s, embedded in "
            f"{run['embed_s']:.2f} s; searches {run['search_ms']:.1f} ms each"
        )
        print()
        report(run["sample_id"], run["methods"])
    if len(runs) > 1:
        pooled = {
            name: summarize([h for run in runs for h in run["methods"][name]["hits"]])
            for name in runs[0]["methods"]
        }
        total = pooled[MEMLOCI]["questions"]
        print(f"## All {len(runs)} conversations, {total} questions pooled")
        print()
        report("pooled", pooled)
        print(
            "| conversation | questions | "
            + " | ".join(f"{SHORT[n]} R@10 all" for n in pooled)
            + " | Memloci R@5 all |"
        )
        print("|---|---|" + "---|" * (len(pooled) + 1))
        for run in runs:
            m = run["methods"]
            cells = " | ".join(f"{m[n]['all'][10]:.3f}" for n in pooled)
            print(
                f"| {run['sample_id']} | {m[MEMLOCI]['questions']} | {cells} | "
                f"{m[MEMLOCI]['all'][5]:.3f} |"
            )
        print()
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")
    if args.json:
        figures = [
            {
                **{k: v for k, v in run.items() if k != "methods"},
                "methods": {
                    SHORT[n]: {k: v for k, v in r.items() if k != "hits"}
                    for n, r in run["methods"].items()
                },
            }
            for run in runs
        ]
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
