"""Kill -9 at random moments of real Memloci commands, then reopen and check: the harness behind
`scripts/bench/faults.py` (the full run) and `tests/integration/test_faults.py` (a short one).

Each run starts one command as its own process on a shared store and kills it (SIGKILL) at a
random moment:

- `memloci import-chat FILE --json` on a big chat file (a new file each run; some runs also
  build the vectors, so kills land in the embedding and the Chroma index too);
- `memloci agents run --json` over the queue the imports and capture filled (the deterministic
  rules only, to reach random points quickly, or with the bundled model; see `agents_model`);
- `memloci capture run` on an Xvfb desktop whose windows change their text and take turns in
  front (real X11, mss, tesseract).

After every kill the store is opened again (migrations, recovery) and checked: SQLite
`integrity_check`, the FTS5 index's `integrity-check`, `foreign_key_check`; no memory that was
ever seen committed (by an earlier check, or reported by a command before it died) is missing;
an imported file is in the store entirely or not at all; and the queue balances. For that last
check the harness adds two triggers to the store that write, inside the same transactions as
the app's own writes, a ledger of every queue item inserted and deleted (an item is deleted only
when the agents' batch that used it commits): lost = inserted - deleted - still queued, which
must be empty. Items a killed agent run had claimed are counted as leased (not lost); at the end
the harness runs capture once more (which finishes the dead runs' sessions and reads their
waiting frames) and then the agents with the queue's clock 16 minutes ahead, so the leases have
run out as they would in real time, and checks that every item was processed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

LEDGER_SQL = """
CREATE TABLE IF NOT EXISTS fault_ledger (
    seq INTEGER PRIMARY KEY, what TEXT NOT NULL, item TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS fault_queue_in AFTER INSERT ON work_queue BEGIN
    INSERT INTO fault_ledger (what, item) VALUES ('queue+', new.id); END;
CREATE TRIGGER IF NOT EXISTS fault_queue_out AFTER DELETE ON work_queue BEGIN
    INSERT INTO fault_ledger (what, item) VALUES ('queue-', old.id); END;
CREATE TRIGGER IF NOT EXISTS fault_memory_out AFTER DELETE ON memories BEGIN
    INSERT INTO fault_ledger (what, item) VALUES ('memory-', old.id); END;
"""

WORDS = """park lunch museum meeting garden river concert library bakery station harbour
market hiking painting guitar recipe project report budget trip camping beach""".split()
PEOPLE = ["Ana", "Tom", "Caroline", "Melanie", "Rui", "Joana"]

# Resume step: the agents 16 minutes later (their lease is 15), as a separate process.
RESUME_AGENTS = """
import json, sys
from datetime import timedelta
import app.store.queue as queue
real = queue.utcnow
queue.utcnow = lambda: real() + timedelta(minutes=16)
from app.core import Memloci
with Memloci.open() as memloci:
    report = memloci.agents.process_queue()
    print(json.dumps(report.to_dict()))
"""


def queue_balance(conn: Any, queued: set[str]) -> dict[str, int]:
    """Queue items in and out by the ledger. SQLite reuses the id of a deleted last row, so
    the ledger is counted per id: each id's inserts minus its deletes must be 1 when it is
    still queued and 0 otherwise; more is an item lost."""
    moves: Counter[str] = Counter()
    added = removed = 0
    for what, item in conn.execute(
        "SELECT what, item FROM fault_ledger WHERE what IN ('queue+', 'queue-')"
    ):
        if what == "queue+":
            moves[item] += 1
            added += 1
        else:
            moves[item] -= 1
            removed += 1
    lost = sum(max(0, n - (1 if item in queued else 0)) for item, n in moves.items())
    unknown = sum(1 for item in queued if moves[item] != 1)
    return {"in": added, "out": removed, "lost": lost, "unknown": unknown}


@dataclass
class FaultConfig:
    runs: int = 60
    seed: int = 20261124
    messages: int = 4_000  # per big chat file (imported with --no-agents)
    queued_messages: int = 400  # per chat file queued for the agents (every other import)
    index_every: int = 3  # every Nth big import also builds the vectors (0: never)
    agents_model: str = "rules"  # rules | bundled | mixed (every 4th agent run with the model)
    capture: bool = True
    capture_seconds: tuple[float, float] = (3.0, 45.0)  # kill window (upkeep: every 30 s)
    embedder: str = "minilm"  # minilm | none
    scenarios: tuple[str, ...] = ("import", "agents", "capture")


@dataclass
class RunRecord:
    number: int
    scenario: str
    killed_at: float
    finished: bool  # the command ended on its own before the kill
    detail: str = ""


@dataclass
class Tally:
    runs: int = 0
    faults: int = 0  # kills that hit a running command
    finished: int = 0
    by_scenario: Counter[str] = field(default_factory=Counter)
    memories_seen: int = 0
    memories_lost: int = 0
    imports_partial: int = 0
    queue_in: int = 0
    queue_out: int = 0
    queue_lost: int = 0
    leased_max: int = 0
    parked: int = 0
    checks: int = 0
    feeds: int = 0  # uninterrupted queued imports that gave the agents a backlog
    model_runs: int = 0  # agent runs with the bundled model (the rest: the rules only)
    problems: list[str] = field(default_factory=list)


class FaultHarness:
    def __init__(self, home: Path, config: FaultConfig, say: Callable[[str], None] = print):
        self.home = home
        self.config = config
        self.say = say
        self.rng = random.Random(config.seed)
        self.tally = Tally()
        self.records: list[RunRecord] = []
        self.seen_memories: set[str] = set()
        self.imports: dict[str, tuple[list[str], bool]] = {}  # file -> (message ids, reported)
        self.durations: dict[str, float] = {}
        self.agent_runs = 0
        self.with_model = False  # the current agents run uses the bundled model
        self.calibrating = False
        self.backlog = 0  # pending queue items at the last check
        self._desk: Any = None
        self._driver: threading.Thread | None = None
        self._stop = threading.Event()

    # -- set-up ---------------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEMLOCI_")}
        env.update(
            {
                "MEMLOCI_HOME": str(self.home),
                "MEMLOCI_PASSPHRASE": os.environ.get("MEMLOCI_PASSPHRASE", "fault passphrase"),
                "PYTHONPATH": str(ROOT),
            }
        )
        if self._desk is not None:
            env["DISPLAY"] = self._desk.display
            env.pop("WAYLAND_DISPLAY", None)
        env.update(extra)
        return env

    def setup(self) -> None:
        from app.core import Memloci

        os.environ.setdefault("MEMLOCI_PASSPHRASE", "fault passphrase")
        with Memloci.open(self.home) as memloci:
            settings = memloci.settings
            for name, value in {
                "embedder.kind": self.config.embedder,
                "agents.use_model": self.config.agents_model != "rules",
                "capture.interval_seconds": 0.5,
                "capture.ocr_min_interval_seconds": 1,
                "capture.event_debounce_seconds": 0.2,
                "capture.agent_batch_frames": 2,
                "capture.record_update_minutes": 0.5,
                "capture.idle_minutes": 240,
            }.items():
                settings = settings.with_value(name, value)
            memloci.save_settings(settings)
            conn = memloci._parts.database.conn()
            conn.executescript(LEDGER_SQL)
        if self.config.capture and "capture" in self.config.scenarios:
            self._start_desktop()

    def _start_desktop(self) -> None:
        from tests.xdesk import TkWindow, XServer

        self._desk = XServer(1280, 800)
        windows = [
            TkWindow(self._desk, f"faultdoc{n}", f"Notes {n} - Editor", self._paragraph(n))
            for n in range(3)
        ]

        def drive() -> None:
            turn = 0
            while not self._stop.wait(0.7):
                window = windows[(turn // 4) % len(windows)]
                if turn % 4 == 0:
                    window.focus()  # a window switch every 2.8 s
                window.send("append", "\n" + self._paragraph(turn))
                if turn % 40 == 0:  # real input now and then: the X screen saver never starts
                    self._desk.xdotool("mousemove", str(100 + turn % 700), "300")
                turn += 1

        self._windows = windows
        self._driver = threading.Thread(target=drive, name="fault-desktop", daemon=True)
        self._driver.start()

    def _paragraph(self, n: int) -> str:
        words = [self.rng.choice(WORDS) for _ in range(10)]
        return f"Entry {n}: " + " ".join(words).capitalize() + "."

    def close(self) -> None:
        self._stop.set()
        if self._driver is not None:
            self._driver.join(5)
        for window in getattr(self, "_windows", []):
            window.close()
        if self._desk is not None:
            self._desk.stop()

    # -- inputs ---------------------------------------------------------------------------------
    def chat_file(self, run: int, count: int) -> tuple[Path, list[str]]:
        rng = self.rng
        path = self.home / f"chat-{run + 10:03d}.jsonl"
        ids = []
        lines = []
        start = 1_700_000_000 + run * 86_400
        for n in range(count):
            speaker = rng.choice(PEOPLE)
            other = rng.choice(PEOPLE)
            text = rng.choice(
                [
                    f"I went to the {rng.choice(WORDS)} yesterday with {other}.",
                    f"{other}'s email is {other.lower()}{run}x{n}@example.com",
                    f"Call {other} at +351 91{n % 10} 555 {n:04d} tomorrow at 3pm.",
                    "How to make it:\n1. buy the "
                    + rng.choice(WORDS)
                    + "\n2. bring it home\n3. enjoy it",
                    " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 40))),
                ]
            )
            message_id = f"r{run + 10}-m{n}"
            ids.append(message_id)
            moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + n * 40))
            lines.append(
                json.dumps(
                    {
                        "id": message_id,
                        "conversation": f"r{run + 10}-c{n // 40}",
                        "speaker": speaker,
                        "text": text,
                        "timestamp": moment,
                    }
                )
            )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path, ids

    # -- one run --------------------------------------------------------------------------------
    def command(self, kind: str, run: int) -> tuple[list[str], Callable[[str], None]]:
        """The command line of one run and what to do with its output if it finishes.
        Kinds: import-big (a long transaction, kept from the agents), import-index (the same,
        then its vectors), import-queued (a smaller file queued for the agents), agents,
        capture."""
        python = [sys.executable, "-m", "app"]
        if kind.startswith("import"):
            big = kind != "import-queued"
            count = self.config.messages if big else self.config.queued_messages
            path, ids = self.chat_file(run, count)
            args = [*python, "import-chat", str(path), "--json"]
            args += ["--no-agents"] if big else []
            args += [] if kind == "import-index" else ["--no-index"]
            self.imports[str(path)] = (ids, False)

            def done(out: str) -> None:
                if out.strip():
                    result = json.loads(out.strip().splitlines()[-1])
                    assert result["imported"] == len(ids), result
                    self.imports[str(path)] = (ids, True)

            return args, done
        if kind == "agents":
            self.agent_runs += 1
            mixed = self.config.agents_model == "mixed" and self.agent_runs % 4 == 0
            use_model = (self.config.agents_model == "bundled" or mixed) and not self.calibrating
            self._set("agents.use_model", use_model)
            self.with_model = use_model
            self.tally.model_runs += use_model
            return [*python, "agents", "run", "--json"], lambda out: None
        seconds = self.config.capture_seconds[1] + 30
        return [*python, "capture", "run", "--seconds", str(seconds)], lambda out: None

    def _set(self, name: str, value: Any) -> None:
        from app.settings import Settings

        file = self.home / "config" / "settings.toml"
        Settings.load(file).with_value(name, value).save(file)

    def kill_moment(self, kind: str) -> float:
        """Uniform over the run's expected length (from the calibration runs); indexing runs
        over four times a big import's length, which covers the embedding's first part."""
        if kind == "capture":
            low, high = self.config.capture_seconds
            return self.rng.uniform(low, high)
        if kind == "import-index":
            expected = self.durations["import-big"]
            return self.rng.uniform(0.5 * expected, 4.0 * expected)
        if kind == "agents" and self.with_model:
            # A model batch takes ~10 s (SmolLM2 on 2 cores): kills over the first minute land
            # in the model's generation as often as between batches.
            return self.rng.uniform(3.0, 60.0)
        expected = self.durations.get(kind, 4.0)
        if kind == "agents":  # calibrated on one queued file; scaled to the backlog now
            start = self.durations.get("start", 0.25 * expected)
            share = self.backlog / max(1, self.config.queued_messages)
            expected = start + max(0.0, expected - start) * share
        return self.rng.uniform(0.15 * expected, 1.05 * expected)

    def run_once(
        self, number: int, kind: str, *, kill: bool = True, timed: bool = True
    ) -> RunRecord:
        args, on_output = self.command(kind, number)
        started = time.monotonic()
        process = subprocess.Popen(
            args,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        at = self.kill_moment(kind) if kill else 3_600.0
        finished = True
        try:
            process.wait(timeout=at)
        except subprocess.TimeoutExpired:
            finished = False
            process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=120)
        elapsed = time.monotonic() - started
        if finished:
            if process.returncode != 0:
                raise AssertionError(f"{kind} failed on its own ({process.returncode}): {err}")
            on_output(out)
        if not kill and timed:
            self.durations[kind] = elapsed
            if kind == "import-queued":  # a command that does almost nothing: start-up
                self.durations["start"] = elapsed / 2
        record = RunRecord(number, kind, round(min(at, elapsed), 2), finished)
        self.records.append(record)
        return record

    # -- checks ---------------------------------------------------------------------------------
    def check(self, label: str) -> dict[str, int]:
        """Open the store as the next process would and check everything; raise on a fault."""
        from app.core import Memloci

        self.tally.checks += 1
        with Memloci.open(self.home) as memloci:
            db = memloci._parts.database
            conn = db.conn()
            integrity = db.integrity_check(quick=False)
            assert integrity == ["ok"], f"{label}: integrity_check {integrity[:3]}"
            conn.execute("INSERT INTO search_docs(search_docs) VALUES ('integrity-check')")
            keys = conn.execute("PRAGMA foreign_key_check").fetchall()
            assert not keys, f"{label}: foreign keys {keys[:3]}"
            present = {row[0] for row in conn.execute("SELECT id FROM memories")}
            lost = self.seen_memories - present
            deleted = conn.execute(
                "SELECT count(*) FROM fault_ledger WHERE what = 'memory-'"
            ).fetchone()[0]
            self.tally.memories_lost = len(lost) + deleted
            assert not lost and not deleted, (
                f"{label}: {len(lost)} memories lost, {deleted} deleted"
            )
            self.seen_memories |= present
            self.tally.memories_seen = len(self.seen_memories)
            self._check_imports(conn, label)
            queue = self._check_queue(conn, label)
            memloci.search("park lunch")  # both indexes answer (a damaged vector index heals)
        return queue

    def _check_imports(self, conn: Any, label: str) -> None:
        for path, (ids, reported) in self.imports.items():
            stored = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                stored += conn.execute(
                    "SELECT count(DISTINCT s.ref) FROM memory_sources s JOIN memories m ON "
                    "m.id = s.memory_id WHERE s.kind = 'chat' AND m.origin = 'import' AND s.ref "
                    f"IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchone()[0]
            if stored not in (0, len(ids)) or (reported and stored != len(ids)):
                self.tally.imports_partial += 1
                raise AssertionError(
                    f"{label}: {Path(path).name} has {stored} of {len(ids)} messages "
                    f"(reported {'committed' if reported else 'nothing'})"
                )

    def _check_queue(self, conn: Any, label: str) -> dict[str, int]:
        rows = conn.execute(
            "SELECT id, status, claimed_until > strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "FROM work_queue"
        ).fetchall()
        balance = queue_balance(conn, {str(row[0]) for row in rows})
        self.tally.queue_in, self.tally.queue_out = balance["in"], balance["out"]
        self.tally.queue_lost = balance["lost"]
        assert not balance["lost"], f"{label}: {balance['lost']} queue items lost"
        assert not balance["unknown"], f"{label}: queue items the ledger never saw"
        status = Counter(row[1] for row in rows)
        leased = sum(1 for row in rows if row[1] == "working" and row[2])
        self.tally.leased_max = max(self.tally.leased_max, leased)
        self.tally.parked = status.get("failed", 0)
        self.backlog = status.get("pending", 0)
        return {
            "pending": status.get("pending", 0),
            "leased": leased,
            "parked": status.get("failed", 0),
        }

    # -- the whole run --------------------------------------------------------------------------
    def calibrate(self) -> None:
        """Uninterrupted runs: how long a big import, a queued import and an agent run over
        its backlog take, so kills spread over the whole of their work (not fault runs)."""
        self.calibrating = True  # the agents are timed with the rules only
        for number, kind in enumerate(self.kinds_used(), 1):
            if kind in ("import-big", "import-queued", "agents"):
                self.run_once(-number, kind, kill=False)
                self.say(f"calibration: {kind} takes {self.durations[kind]:.1f} s")
                self.check(f"calibration {kind}")
        self.calibrating = False

    def kinds_used(self) -> list[str]:
        kinds = []
        if "import" in self.config.scenarios:
            kinds += ["import-big", "import-queued"]
        if "agents" in self.config.scenarios:
            kinds.append("agents")
        if "capture" in self.config.scenarios and self.config.capture and self._desk is not None:
            kinds.append("capture")
        return kinds

    def plan(self) -> list[str]:
        """The three scenarios in equal shares, shuffled; imports alternate between big and
        queued files, and every `index_every`-th big one also builds its vectors."""
        scenarios = sorted({kind.split("-")[0] for kind in self.kinds_used()})
        order = [scenarios[n % len(scenarios)] for n in range(self.config.runs)]
        self.rng.shuffle(order)
        kinds, imports = [], 0
        for scenario in order:
            if scenario != "import":
                kinds.append(scenario)
                continue
            imports += 1
            if imports % 2 == 0:
                kinds.append("import-queued")
            elif self.config.index_every and (imports // 2) % self.config.index_every == 0:
                kinds.append("import-index")
            else:
                kinds.append("import-big")
        return kinds

    def run(self) -> Tally:
        self.calibrate()
        for number, kind in enumerate(self.plan(), 1):
            if kind == "agents" and self.backlog < self.config.queued_messages // 2:
                # Kills should land inside batches: give the agents a backlog first (an
                # uninterrupted queued import, not counted as a fault run).
                self.run_once(number, "import-queued", kill=False, timed=False)
                self.tally.feeds += 1
                self.check(f"feed before run {number}")
            record = self.run_once(number, kind)
            self.tally.runs += 1
            self.tally.by_scenario[kind] += 1
            if record.finished:
                self.tally.finished += 1
            else:
                self.tally.faults += 1
            queue = self.check(f"run {number} ({kind})")
            self.say(
                f"run {number:3d} {kind:13s} "
                + (f"killed at {record.killed_at:5.2f} s" if not record.finished else "finished")
                + f"  memories {self.tally.memories_seen}  queue pending {queue['pending']}"
                f" leased {queue['leased']} parked {queue['parked']}  lost 0"
            )
        self.resume()
        return self.tally

    def resume(self) -> None:
        """Queued work resumes: capture finishes the dead runs' sessions and reads their
        frames; the agents, 16 minutes later, claim what the killed runs held."""
        if self._desk is not None:
            done = subprocess.run(
                [sys.executable, "-m", "app", "capture", "run", "--seconds", "2", "--drain"],
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=300,
                cwd=ROOT,
            )
            assert done.returncode == 0, done.stderr
        self._set("agents.use_model", False)
        done = subprocess.run(
            [sys.executable, "-c", RESUME_AGENTS],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=1_800,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        queue = self.check("after resuming")
        pending = self._pending_frames()
        self.say(
            f"resumed: the agents processed {report['done']} items "
            f"({report['failed']} failed and kept); queue pending {queue['pending']}, "
            f"leased {queue['leased']}, parked {queue['parked']}; frames waiting for OCR {pending}"
        )
        assert queue["pending"] == 0 and queue["leased"] == 0, queue
        assert pending == 0, f"{pending} frames still wait for OCR"

    def _pending_frames(self) -> int:
        from app.core import Memloci

        with Memloci.open(self.home) as memloci:
            return int(memloci._parts.database.scalar("SELECT count(*) FROM capture_pending"))

    def summary(self) -> str:
        t = self.tally
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(t.by_scenario.items()))
        kinds += f"; agent runs with the bundled model {t.model_runs}"
        return (
            f"runs {t.runs} ({kinds}); faults injected (kill -9 while running) {t.faults}; "
            f"finished before the kill {t.finished}; uninterrupted imports feeding the agents "
            f"{t.feeds}; checks {t.checks}, all passed; "
            f"memories committed {t.memories_seen}, lost {t.memories_lost}; "
            f"partial imports {t.imports_partial}; queue items in {t.queue_in}, out "
            f"{t.queue_out}, lost {t.queue_lost}; most leased at once {t.leased_max}; "
            f"parked after 3 failures {t.parked}"
        )


@contextlib.contextmanager
def harness(home: Path, config: FaultConfig, say: Callable[[str], None] = print):
    h = FaultHarness(home, config, say)
    try:
        h.setup()
        yield h
    finally:
        h.close()
