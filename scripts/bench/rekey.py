"""Replacing the data key (`memloci passphrase change --new-key`) on a large store.

    .venv/bin/python scripts/bench/rekey.py --home /tmp/bench100k     # a copy of that store
    .venv/bin/python scripts/bench/rekey.py --memories 5000            # a store built here

With --home, the store (for example the one scripts/bench/search_latency.py left) is copied to a
temporary folder first, so the original stays as it was. Otherwise a store is built through the
real import (synthetic chat, embedded by the bundled MiniLM) with some vault secrets changed
once. Prints the time of
the key change, its rate over the database's size, peak memory, then reopens the store with the
new passphrase and checks every memory, the integrity check and the vault, and times the vector
index's rebuild from the stored vectors (what the next open does in the background).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_PASSPHRASE, machine, peak_rss_mib, temporary_home, warm_up
from synthetic import write_jsonl

NEW_PASSPHRASE = "benchmark passphrase after the change"


def build(home: Path, memories: int, secrets: int) -> None:
    from app.core import Memloci

    with Memloci.open(home) as memloci:
        started = time.monotonic()
        chat = write_jsonl(home / "synthetic.jsonl", memories)
        memloci.import_chat(chat, agents=False)
        for n in range(secrets):
            entry = memloci.add(f"account {n}", type="vault", fields={"secret_value": f"pin-{n}"})
            memloci.update(entry.id, fields={"secret_value": f"pin-{n}-new"}, reason="changed")
        memloci._parts.retriever.sync()
        seconds = time.monotonic() - started
        print(f"built {memories:,} memories and {secrets} secrets (embedded) in {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="An existing store to copy and re-key.")
    parser.add_argument("--memories", type=int, default=5_000)
    parser.add_argument("--secrets", type=int, default=50)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="memloci-rekey-"))
    try:
        with temporary_home(scratch / "home") as home:
            if args.home:
                shutil.rmtree(home)
                shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("*.jsonl"))
                print(f"copied {args.home} to {home}")
            else:
                warm_up(home)
                build(home, args.memories, args.secrets)
            run(home)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(home: Path) -> None:
    from app.core import Memloci

    with Memloci.open(home, passphrase=BENCH_PASSPHRASE) as memloci:
        before = memloci.stats()
    data = home / "data"
    database_mib = sum(p.stat().st_size for p in data.glob("memloci.db*")) / 2**20
    vectors_mib = sum(p.stat().st_size for p in (data / "vectors").rglob("*") if p.is_file())
    started = time.monotonic()
    result = Memloci.replace_data_key(home, BENCH_PASSPHRASE, NEW_PASSPHRASE)
    seconds = time.monotonic() - started
    print(f"machine: {machine()}")
    print(
        f"store: {before.total:,} memories, database {database_mib:,.0f} MiB, vector index "
        f"{vectors_mib / 2**20:,.0f} MiB (dropped, rebuilt on the next open)"
    )
    print(
        f"new data key: {seconds:.1f} s ({database_mib / seconds:,.0f} MiB/s of database); "
        f"{result['secrets']} secrets and {result['history_rows']} history rows sealed again, "
        f"{result['frames']} frames; peak RSS {peak_rss_mib():,.0f} MiB"
    )
    started = time.monotonic()
    with Memloci.open(home, passphrase=NEW_PASSPHRASE) as memloci:
        opened = time.monotonic() - started
        after = memloci.stats()
        problems = memloci.integrity()
        vault = memloci.list("vault", limit=1)
        revealed = memloci.reveal(vault[0].id) if vault else None
        started = time.monotonic()
        memloci._parts.retriever.sync()
        index = memloci._parts.retriever.indexer.index()
        rebuilt = time.monotonic() - started
        in_index = index.count() if index is not None else 0
    print(
        f"reopened with the new passphrase in {opened:.2f} s: {after.total:,} memories "
        f"(before {before.total:,}), integrity {'ok' if problems == ['ok'] else problems}, "
        f"a vault secret {'reads back' if revealed else 'missing' if vault else 'n/a'}"
    )
    print(f"vector index rebuilt from stored vectors: {in_index:,} in {rebuilt:.1f} s")
    lost = before.total - after.total
    print(f"memories lost: {lost}")
    if lost or problems != ["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
