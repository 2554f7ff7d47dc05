"""Kill -9 at random moments of chat import, agent batches and capture on Xvfb, ten times,
then reopen and check the store each time: the short version of `scripts/bench/faults.py`
(same harness, `tests/faults.py`; smaller files, the rules-only agents, no embedder)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.faults import FaultConfig, harness
from tests.xdesk import missing_tools

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_kill_9_during_import_agents_and_capture_loses_nothing(home: Path, capsys) -> None:
    capture = not missing_tools() and shutil.which("tesseract") is not None
    config = FaultConfig(
        runs=10,
        seed=7,
        messages=600,
        queued_messages=300,
        index_every=0,
        agents_model="rules",
        capture=capture,
        capture_seconds=(2.0, 12.0),
        embedder="none",
    )
    lines: list[str] = []
    with harness(home, config, lines.append) as h:
        tally = h.run()
        summary = h.summary()
    with capsys.disabled():
        print("\n" + "\n".join(lines) + "\n" + summary)
    assert tally.runs == 10 and tally.faults >= 6, summary
    assert tally.memories_lost == 0 and tally.queue_lost == 0 and tally.imports_partial == 0
    assert tally.queue_in > 0 and tally.queue_out == tally.queue_in - tally.parked
