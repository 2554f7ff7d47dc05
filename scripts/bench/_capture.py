"""What the capture benchmarks share: an X desktop with windows of text, CPU clocks for this
process, its children and the X server, and the store's size on disk."""

from __future__ import annotations

import os
import random
import resource
from pathlib import Path

from _common import ROOT, machine  # noqa: F401  (ROOT puts the repository on sys.path)

WORDS = """the quarterly report shows revenue growth across all regions while operating costs
remained stable and the team plans to expand hiring in the second half of the year with a focus
on engineering customer support onboarding documentation migration budget meeting schedule
design review release notes deadline invoice contract proposal analysis survey results
interview feedback roadmap priorities estimate risk dependency vendor pricing""".split()


def sentence(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def paragraphs(rng: random.Random, count: int, sentences: int = 4) -> str:
    return "\n\n".join(" ".join(sentence(rng) for _ in range(sentences)) for _ in range(count))


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(pid: int, children: bool = False) -> float:
    """CPU seconds (user + system) a running process has used, from /proc; with `children`,
    also what its finished children used (tesseract)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def store_bytes(home: Path) -> int:
    data = home / "data"
    return sum(p.stat().st_size for p in data.glob("memloci.db*") if p.is_file())
