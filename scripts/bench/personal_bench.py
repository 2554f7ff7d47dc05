"""The personal-memory scorer on several chats: the shared set's rules on data it was not tuned on.

    .venv/bin/python scripts/bench/personal_bench.py [--set DIR ...] [--verbose] MEMLOCI_BIN

Each set is a folder holding chat.jsonl and expect.json in the format of
../shared/bench/personal (default: every scripts/bench/data/personal-dev* folder; add
`--set ../shared/bench/personal` to include the shared one). The shared score.py reads the files
next to itself, so it is copied, unchanged, into a temporary folder with each set's two files and
run there. Prints each set's summary line, then the totals over all sets.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import shared_bench

HERE = Path(__file__).resolve().parent
SCORER = shared_bench() / "personal" / "score.py"
SUMMARY = re.compile(
    r"typed (\d+)/(\d+) \((.*?)\) vault (\d+) leaks (\d+) misfiled (\d+) stale (\d+) "
    r"autofill (\d+)/(\d+) ask (\d+)/(\d+) ask-grounded (\d+)/(\d+)"
)


def default_sets() -> list[Path]:
    return sorted(p for p in (HERE / "data").glob("personal-dev*") if p.is_dir())


def score(folder: Path, memloci: str, scorer: Path, timeout: float, verbose: bool) -> str | None:
    """Run the scorer on one set; its summary line, or None (with the reason printed)."""
    missing = [n for n in ("chat.jsonl", "expect.json") if not (folder / n).is_file()]
    if missing:
        print(f"{folder}: no {' or '.join(missing)} here.")
        return None
    with tempfile.TemporaryDirectory(prefix="memloci-personal-") as work:
        for name in ("chat.jsonl", "expect.json"):
            shutil.copyfile(folder / name, Path(work) / name)
        shutil.copyfile(scorer, Path(work) / "score.py")
        try:
            done = subprocess.run(
                [sys.executable, str(Path(work) / "score.py"), memloci],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            print(f"{folder}: the scorer ran past {timeout:.0f} s.")
            return None
    lines = done.stdout.strip().splitlines()
    if verbose:
        print("\n".join(lines[:-1]))
    if done.returncode or not lines or not SUMMARY.search(lines[-1]):
        print(f"{folder}: the scorer failed: {(done.stderr or done.stdout).strip()[-400:]}")
        return None
    if not verbose:
        print("\n".join(f"  {x}" for x in lines[:-1] if x.startswith("agent-made")))
    return lines[-1]


def total(lines: list[str]) -> str:
    """The summary lines added up, per memory type too."""
    sums = [0] * 12
    by_type: dict[str, list[int]] = {}
    for line in lines:
        m = SUMMARY.search(line)
        assert m is not None
        numbers = [int(x) for i, x in enumerate(m.groups()) if i != 2]
        sums = [a + b for a, b in zip(sums, numbers, strict=True)]
        for kind, got, of in re.findall(r"(\w+)=(\d+)/(\d+)", m.group(3)):
            pair = by_type.setdefault(kind, [0, 0])
            pair[0] += int(got)
            pair[1] += int(of)
    typed, n, vault, leaks, misfiled, stale, af, naf, ask, nq, grounded, ng = sums
    kinds = " ".join(f"{k}={a}/{b}" for k, (a, b) in by_type.items())
    return (
        f"typed {typed}/{n} ({kinds}) vault {vault}/{len(lines)} leaks {leaks} misfiled "
        f"{misfiled} stale {stale} autofill {af}/{naf} ask {ask}/{nq} ask-grounded {grounded}/{ng}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("memloci", help="The memloci command to score, e.g. .venv/bin/memloci.")
    parser.add_argument(
        "--set",
        dest="sets",
        type=Path,
        action="append",
        metavar="DIR",
        help="A folder with chat.jsonl and expect.json (repeatable; default: the dev sets).",
    )
    parser.add_argument("--scorer", type=Path, default=SCORER, help="The score.py to run.")
    parser.add_argument("--timeout", type=float, default=3600, help="Seconds per set.")
    parser.add_argument("--verbose", action="store_true", help="Also print every checked item.")
    args = parser.parse_args()
    if not args.scorer.is_file():
        raise SystemExit(f"The scorer {args.scorer} is not there.")
    memloci = shutil.which(args.memloci) or args.memloci
    sets = args.sets or default_sets()
    summaries = []
    for folder in sets:
        started = time.perf_counter()
        print(f"## {folder}")
        line = score(folder, memloci, args.scorer, args.timeout, args.verbose)
        if line is not None:
            summaries.append(line)
            print(f"{line}   [{time.perf_counter() - started:.0f} s]")
        print()
    if summaries:
        print(f"total over {len(summaries)} of {len(sets)} sets: {total(summaries)}")
    if len(summaries) < len(sets):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
