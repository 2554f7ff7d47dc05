"""LoCoMo evidence recall: Memloci's real import and search against raw-turn baselines.

    .venv/bin/python scripts/bench/locomo_retrieval.py [--data ../shared/bench/locomo/conv-26.json]

Every turn of the conversation is written as a JSON Lines chat export (id, speaker, text, the
session's date as its timestamp, a shared photo's caption as an attachment) and imported with
`Memloci.import_chat` (agents off), exactly as `memloci import-chat` does. Each question of
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
from _common import ROOT, machine, peak_rss_mib, temporary_home, warm_up

DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "locomo" / "conv-26.json"
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


def evaluate(rank: Ranker, items: Sequence[Question]) -> dict:
    """Recall@k ("all" and "any"), overall and per category."""
    found: dict = {"all": {k: [] for k in KS}, "any": {k: [] for k in KS}, "by_category": {}}
    for question in items:
        ranked = rank(question)
        category = found["by_category"].setdefault(
            question.category, {"all": {k: [] for k in KS}, "any": {k: [] for k in KS}}
        )
        for k in KS:
            top = set(ranked[:k])
            for name, hit in (
                ("all", question.evidence <= top),
                ("any", bool(question.evidence & top)),
            ):
                found[name][k].append(hit)
                category[name][k].append(hit)

    def mean(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 0.0

    return {
        "all": {k: mean(v) for k, v in found["all"].items()},
        "any": {k: mean(v) for k, v in found["any"].items()},
        "by_category": {
            c: {n: {k: mean(v) for k, v in d[n].items()} for n in ("all", "any")}
            for c, d in sorted(found["by_category"].items())
        },
        "questions": len(items),
        "per_category_count": dict(sorted(Counter(q.category for q in items).items())),
    }


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
        "BM25 (raw turns)": evaluate(lexical, items),
        "dense MiniLM (raw turns)": evaluate(dense, items),
        "RRF k=60 (raw turns)": evaluate(lambda q: rrf([lexical(q), dense(q)], k=60), items),
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


def _line(name: str, result: dict) -> str:
    a, n = result["all"], result["any"]
    return f"| {name} | {a[5]:.3f} | {a[10]:.3f} | {n[10]:.3f} | {a[20]:.3f} | {n[20]:.3f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--home", type=Path, help="Keep the store here (default: temporary).")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A setting for this run, e.g. retrieval.dense_weight=0.4 (repeatable).",
    )
    args = parser.parse_args()
    sample_id, turns, items = load(args.data)
    with temporary_home(args.home) as home:
        warm_up(home)
        from app.core import Memloci

        export = home / f"{sample_id}.jsonl"
        write_jsonl(sample_id, turns, export)
        with Memloci.open(home) as memloci:
            settings = memloci.settings
            for assignment in args.set:
                name, _, value = assignment.partition("=")
                settings = settings.with_value(name.strip(), json.loads(value))
            memloci.save_settings(settings)
        with Memloci.open(home) as memloci:
            started = time.perf_counter()
            result = memloci.import_chat(export, agents=False)
            stored = time.perf_counter() - started
            started = time.perf_counter()
            memloci.index_sync()
            indexed = time.perf_counter() - started
            started = time.perf_counter()
            ours = evaluate(memloci_ranker(memloci, sample_id), items)
            searching = time.perf_counter() - started
        reference = baselines(turns, items)
    print(
        f"LoCoMo {sample_id}: {len(turns)} turns, {ours['questions']} questions "
        f"(by category {ours['per_category_count']})"
    )
    print(f"machine: {machine()}")
    if args.set:
        print(f"settings: {', '.join(args.set)}")
    print(
        f"import: {result.imported} messages stored in {stored:.2f} s, "
        f"embedded in {indexed:.2f} s; "
        f"{len(items)} searches in {searching:.2f} s ({1000 * searching / len(items):.1f} ms each)"
    )
    print()
    print("| method | R@5 all | R@10 all | R@10 any | R@20 all | R@20 any |")
    print("|---|---|---|---|---|---|")
    for name, values in reference.items():
        print(_line(name, values))
    print(_line("**Memloci hybrid search**", ours))
    best = max(v["all"][10] for v in reference.values())
    print()
    print(
        f"R@10 (all): Memloci {ours['all'][10]:.3f} vs best raw baseline {best:.3f} "
        f"({ours['all'][10] / best:.2f}x)"
    )
    print()
    print("| category | questions | R@5 all | R@10 all | R@10 any | R@20 all |")
    print("|---|---|---|---|---|---|")
    for category, values in ours["by_category"].items():
        count = ours["per_category_count"][category]
        a, n = values["all"], values["any"]
        print(
            f"| {category} {CATEGORIES[category]} | {count} | {a[5]:.3f} | {a[10]:.3f} | "
            f"{n[10]:.3f} | {a[20]:.3f} |"
        )
    print()
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
