"""The figures of one capture run over a played day, and the side-by-side table."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from screenday.capture import CaptureRun
from screenday.model import STATIC_SETTLE, Snapshot
from screenday.score import (
    FactResult,
    SessionResult,
    ask_all,
    percentile,
    score_facts,
    score_sessions,
)


def _share_after(snapshots: list[Snapshot], name: str, seconds: float) -> float | None:
    """CPU share of one core from `seconds` into the day to its scripted end (past the first
    reads and the loading of the search model)."""
    later = [s for s in snapshots if s.mono - snapshots[0].mono >= seconds]
    if len(later) < 2 or later[-1].mono - later[0].mono < 30:
        return None
    return (later[-1].cpu[name] - later[0].cpu[name]) / (later[-1].mono - later[0].mono)


def _static_share(snapshots: list[Snapshot], name: str) -> float | None:
    """CPU share of one core while nothing on screen changed, from STATIC_SETTLE s into each
    static step (before that, capture may still be reading what changed just before)."""
    cpu = wall = 0.0
    for index, snap in enumerate(snapshots):
        if not snap.settled or index + 1 >= len(snapshots):
            continue
        after = snapshots[index + 1]
        cpu += after.cpu.get(name, 0.0) - snap.cpu.get(name, 0.0)
        wall += after.mono - snap.mono
    return cpu / wall if wall > 0 else None


@dataclass
class Outcome:
    name: str
    settings: dict[str, str]
    day: str
    started: float
    facts: list[FactResult]
    sessions: list[SessionResult]
    cpu_seconds: float
    wall_seconds: float
    static_share: float | None
    later_share: float | None
    counters: dict[str, Any]
    storage: tuple[int, int]
    asked: bool = False
    rows: dict[str, str] = field(default_factory=dict)

    @classmethod
    def collect(
        cls,
        run: CaptureRun,
        memloci: Any,
        played: Any,
        args: argparse.Namespace,
        log: Callable[[str], None],
    ) -> Outcome:
        """Score one run's store against the played day (`screen_day.Played`)."""
        facts = score_facts(memloci, played.exposures)
        if args.ask:
            log(f"  asking {len(facts)} questions ({run.name})")
            ask_all(memloci, facts, log)
        return cls(
            name=run.name,
            settings=run.settings,
            day=args.day,
            started=played.started,
            facts=facts,
            sessions=score_sessions(memloci, played.snapshots, played.end),
            cpu_seconds=run.cpu_total,
            wall_seconds=run.mono_end - run.mono_start,
            static_share=_static_share(played.snapshots, run.name),
            later_share=_share_after(played.snapshots, run.name, 60),
            counters=dict(memloci.capture.status().counters),
            storage=run.grown,
            asked=args.ask,
        )

    # -- figures ------------------------------------------------------------------------------
    def figures(self) -> dict[str, str]:
        shown = self.facts
        long = [f for f in shown if f.exposure.long]
        short = [f for f in shown if not f.exposure.long]

        def share(part: list[FactResult], whole: list[FactResult]) -> str:
            if not whole:
                return "-"
            return f"{len(part)}/{len(whole)} ({100 * len(part) / len(whole):.0f} %)"

        stored = [f for f in shown if f.stored]
        latencies = [f.latency for f in stored if f.latency is not None]
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        spans = [s for s in self.sessions if len(s.activities) > 1]
        c = self.counters
        rows = {
            "facts stored / shown": share(stored, shown),
            "  shown >= 15 s at a stretch": share([f for f in long if f.stored], long),
            "  glimpses (< 15 s)": share([f for f in short if f.stored], short),
            "search top-5 holds the fact": share([f for f in shown if f.found], shown),
            "  of the stored facts": share([f for f in stored if f.found], stored),
        }
        if self.asked:
            rows["ask states the fact"] = share([f for f in shown if f.stated], shown)
            rows["  ask cites a memory holding it"] = share([f for f in shown if f.cited], shown)
        rows["on screen -> searchable p50 / p95"] = (
            f"{p50:.0f} s / {p95:.0f} s (max {max(latencies):.0f} s)" if latencies else "-"
        )
        rows["capture CPU, % of one core"] = (
            f"{100 * self.cpu_seconds / max(self.wall_seconds, 1e-9):.2f} % "
            f"({self.cpu_seconds:.0f} s / {self.wall_seconds:.0f} s)"
        )
        rows["  after the first minute (to the end)"] = (
            f"{100 * self.later_share:.2f} %" if self.later_share is not None else "-"
        )
        rows[f"  static screen (from {STATIC_SETTLE:.0f} s in)"] = (
            f"{100 * self.static_share:.2f} %" if self.static_share is not None else "-"
        )
        rows["OCR runs (full + regions)"] = (
            f"{c.get('ocr_runs', '?')} ({c.get('reads_full', '?')} + {c.get('reads_regions', '?')})"
        )
        rows["frames grabbed (unchanged)"] = f"{c.get('grabs', '?')} ({c.get('unchanged', '?')})"
        rows["storage growth: database / data"] = (
            f"{self.storage[0] / 1e6:.2f} MB / {self.storage[1] / 1e6:.2f} MB"
        )
        rows["sessions (> 1 activity)"] = f"{len(self.sessions)} ({len(spans)})"
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "settings": self.settings,
            "day": self.day,
            "figures": self.figures(),
            "cpu_seconds": self.cpu_seconds,
            "wall_seconds": self.wall_seconds,
            "static_share": self.static_share,
            "later_share": self.later_share,
            "counters": self.counters,
            "storage_bytes": list(self.storage),
            "facts": [
                {
                    "id": f.exposure.fact.id,
                    "question": f.exposure.fact.question,
                    "first_shown_s": round(f.exposure.first - self.started, 1),
                    "longest_s": round(f.exposure.longest, 1),
                    "total_s": round(f.exposure.total, 1),
                    "stored": f.stored,
                    "latency_s": None if f.latency is None else round(f.latency, 1),
                    "search_rank": f.rank,
                    "stated": f.stated if f.asked else None,
                    "cited": f.cited if f.asked else None,
                    "answer": f.answer if f.asked else None,
                }
                for f in self.facts
            ],
            "sessions": [
                {
                    "app": s.app,
                    "title": s.title,
                    "start_s": round(s.start - self.started, 1),
                    "seconds": round(s.end - s.start, 1),
                    "reads": s.reads,
                    "chars": s.chars,
                    "activities": s.activities,
                }
                for s in self.sessions
            ],
        }


def _table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def print_report(outcomes: list[Outcome], args: argparse.Namespace, machine: str) -> None:
    if not outcomes:
        return
    print()
    print(f"machine: {machine}")
    print(f"day: {args.day}, screen {args.screen[0]}x{args.screen[1]}, settle {args.settle:g} s")
    figures = [o.figures() for o in outcomes]
    head = [["", *(o.name for o in outcomes)]]
    _table(head + [[k, *(f[k] for f in figures)] for k in figures[0]])

    print("\nper fact (first on screen, longest stretch; per run: searchable after / search rank)")
    rows = [["fact", "first", "longest", *(o.name for o in outcomes)]]
    for index, result in enumerate(outcomes[0].facts):
        cells = []
        for outcome in outcomes:
            fact = outcome.facts[index]
            if not fact.stored:
                cells.append("NOT STORED")
                continue
            latency = "?" if fact.latency is None else f"{fact.latency:.0f} s"
            rank = f"#{fact.rank}" if fact.rank else "not in top 5"
            ask = ""
            if fact.asked:
                ask = ", ask: stated" if fact.stated else (", ask: cited" if fact.cited else "")
            cells.append(f"{latency} / {rank}{ask}")
        exposure = result.exposure
        rows.append(
            [
                exposure.fact.id,
                f"+{exposure.first - outcomes[0].started:.0f} s",
                f"{exposure.longest:.0f} s",
                *cells,
            ]
        )
    _table(rows)

    for outcome in outcomes:
        print(f"\nsessions of {outcome.name} (start, length, reads, characters, activities)")
        rows = [["app", "title", "start", "length", "reads", "chars", "activities"]]
        for s in outcome.sessions:
            rows.append(
                [
                    s.app[:18],
                    s.title[:46],
                    f"{s.start - outcome.started:+.0f} s",
                    f"{s.end - s.start:.0f} s",
                    str(s.reads),
                    str(s.chars),
                    "; ".join(s.activities) or "-",
                ]
            )
        _table(rows)
