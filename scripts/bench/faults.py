"""Faults: kill -9 at random moments of chat import, capture and agent batches, then reopen and
check the store each time (integrity, full-text indexes, no committed memory lost, imports all
or nothing, queue items in = out + still queued), and finally let the queued work resume.

    .venv/bin/python scripts/bench/faults.py [--runs 60] [--agents-model rules|bundled|mixed]

The harness is `tests/faults.py` (its docstring says exactly what is checked and how);
`tests/integration/test_faults.py` runs a short version of it. Prints every run, then the
figures: runs, faults injected, memories and queue items lost (must be 0). Exits 1 on any fault.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import BENCH_PASSPHRASE, machine

from tests.faults import FaultConfig, harness
from tests.xdesk import missing_tools


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="fault runs (default 60)")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--messages", type=int, default=4_000, help="messages per big chat file")
    parser.add_argument("--queued-messages", type=int, default=400, help="per queued chat file")
    parser.add_argument(
        "--agents-model",
        choices=["rules", "bundled", "mixed"],
        default="mixed",
        help="agent batches with the deterministic rules only (reaches random points quickly), "
        "the bundled model, or mixed: every 4th agent run with the model (default)",
    )
    parser.add_argument("--index-every", type=int, default=3, help="every Nth import embeds too")
    parser.add_argument("--embedder", choices=["minilm", "none"], default="minilm")
    parser.add_argument("--no-capture", action="store_true", help="leave out capture runs")
    parser.add_argument("--home", type=Path, help="keep the store here (default: a temp folder)")
    args = parser.parse_args()

    capture = not args.no_capture and not missing_tools() and shutil.which("tesseract")
    config = FaultConfig(
        runs=args.runs,
        seed=args.seed,
        messages=args.messages,
        queued_messages=args.queued_messages,
        index_every=args.index_every,
        agents_model=args.agents_model,
        capture=bool(capture),
        embedder=args.embedder,
    )
    home = args.home or Path(tempfile.mkdtemp(prefix="memloci-faults-"))
    import os

    os.environ["MEMLOCI_PASSPHRASE"] = BENCH_PASSPHRASE
    os.environ["MEMLOCI_HOME"] = str(home)
    print(f"machine: {machine()}")
    print(
        f"faults: {config.runs} runs, seed {config.seed}, {config.messages} messages per chat "
        f"file (every {config.index_every or 'no'} import also embeds, embedder "
        f"{config.embedder}), agent batches: {config.agents_model}, capture on Xvfb: "
        f"{'yes' if capture else 'no (Xvfb, xdotool or tesseract missing)'}"
    )
    started = time.monotonic()
    status = 0
    try:
        with harness(home, config) as h:
            try:
                h.run()
            except AssertionError as error:
                print(f"FAULT: {error}")
                status = 1
            print(f"\n{h.summary()}")
    finally:
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)
    print(f"took {time.monotonic() - started:.0f} s; " + ("FAILED" if status else "all passed"))
    return status


if __name__ == "__main__":
    sys.exit(main())
