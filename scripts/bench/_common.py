"""Helpers the benchmark scripts share: a throw-away store, peak memory, the machine's name."""

from __future__ import annotations

import os
import platform
import resource
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.privacy import keep_local  # noqa: E402  (after the path is set)

keep_local()  # benchmarks, and every child they start, load onnxruntime with telemetry off

BENCH_PASSPHRASE = "benchmark passphrase, not secret"


def shared_bench() -> Path:
    """The shared benchmark data (../shared/bench beside the main checkout; a worktree looks
    further up)."""
    for folder in (ROOT, *ROOT.parents):
        if (folder / "shared" / "bench").is_dir():
            return folder / "shared" / "bench"
    return ROOT.parent / "shared" / "bench"


def peak_rss_mib(children: bool = False) -> float:
    """Peak resident memory of this process (or of its finished children), in MiB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = ""
    load = f", load average {os.getloadavg()[0]:.1f} (other work on the machine)"
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}{load}"


@contextmanager
def temporary_home(keep: Path | None = None) -> Iterator[Path]:
    """A fresh MEMLOCI_HOME (removed afterwards unless `keep` names one to use)."""
    os.environ["MEMLOCI_PASSPHRASE"] = BENCH_PASSPHRASE
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        os.environ["MEMLOCI_HOME"] = str(keep)
        yield keep
        return
    folder = Path(tempfile.mkdtemp(prefix="memloci-bench-"))
    os.environ["MEMLOCI_HOME"] = str(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def warm_up(home: Path) -> None:
    """Build the fp32 embedding graph in the store's cache before anything is timed (a
    one-off per install, about a second)."""
    from app.embed.minilm import MiniLMEmbedder

    embedder = MiniLMEmbedder(home / "cache")
    embedder.embed(["warm up"])
    embedder.close()
