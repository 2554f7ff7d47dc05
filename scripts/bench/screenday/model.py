"""Facts, the timeline of a scripted day, and what was on screen when.

A fact is a piece of text shown on screen ("31.4 m" in the Kestrel Tower infobox) with a
question a person would ask about it. Content files are written literally; `facts.txt` names
each fact's on-screen text (`display`), the part an answer must state (`key`) and the question.
The player records, after every step, which facts the window in front shows; a fact's
showings are the stretches between snapshots in which it stayed visible.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol, TypeVar

CONTENT = Path(__file__).resolve().parent / "content"
FACTS = CONTENT / "facts.txt"
LONG_SHOWING = 15.0  # seconds: the bar for "a person read it"
STATIC_SETTLE = 30.0  # seconds into a static step before its CPU counts as a static screen's

_FOLD = str.maketrans({"–": "-", "—": "-", "‐": "-", "’": "'", "‘": "'", "“": '"', "”": '"'})
_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Text compared without case, whitespace or typographic dashes and quotes: OCR keeps the
    order of what a line shows but not its column spacing."""
    return _SPACE.sub("", text.translate(_FOLD).lower())


@dataclass(frozen=True)
class Fact:
    id: str
    display: str  # as on screen, within one line; " … " between parts that may be far apart
    key: str  # what an answer must state
    question: str

    @cached_property
    def patterns(self) -> list[re.Pattern[str]]:
        """One pattern per part: its characters with any whitespace between them (OCR keeps
        the order, not the spacing), not glued to a letter or digit at either end ("412 m"
        is not in "412Mi")."""
        found = []
        for part in self.display.split("…"):
            chars = squash(part)
            if not chars:
                continue
            body = r"\s*".join(re.escape(c) for c in chars)
            head = r"(?<![^\W_])" if chars[0].isalnum() else ""
            tail = r"(?![^\W_])" if chars[-1].isalnum() else ""
            found.append(re.compile(head + body + tail))
        return found

    def on_line(self, line: str) -> bool:
        """The display's parts appear in order on this line."""
        at, line = 0, line.translate(_FOLD).lower()
        for pattern in self.patterns:
            match = pattern.search(line, at)
            if match is None:
                return False
            at = match.end()
        return True

    def held_by(self, text: str) -> bool:
        return any(self.on_line(line) for line in text.splitlines())

    def stated_in(self, answer: str) -> bool:
        return squash(self.key) in squash(answer)


def load_facts(path: Path = FACTS) -> dict[str, Fact]:
    """`id | display | key | question` per line (an empty key means the display); # comments."""
    facts: dict[str, Fact] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or not all((parts[0], parts[1], parts[3])):
            raise ValueError(f"{path.name}:{number}: want 'id | display | key | question'")
        ident, display, key, question = parts
        if ident in facts:
            raise ValueError(f"{path.name}:{number}: fact {ident!r} twice")
        facts[ident] = Fact(ident, display, key or display, question)
    return facts


def facts_in(text: str, facts: Iterable[Fact]) -> set[str]:
    """Facts whose display sits on one of these lines."""
    return {f.id for f in facts if f.held_by(text)}


def check_content(facts: dict[str, Fact], files: Iterable[Path]) -> list[str]:
    """Problems with the day's content: a fact shown nowhere, or one whose display is also a
    piece of another fact's text (its stored or not-stored verdict would be ambiguous)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    problems = []
    for fact in facts.values():
        if not fact.held_by(text):
            problems.append(f"fact {fact.id}: {fact.display!r} is in none of the content files")
        for other in facts.values():
            if other is not fact and fact.held_by(other.display):
                problems.append(f"fact {fact.id}: its display is part of fact {other.id}'s")
    return problems


class Window(Protocol):
    """Something the player brings to the front and asks what it shows."""

    name: str

    def activate(self) -> None: ...

    def title(self) -> str: ...

    def visible(self, facts: Iterable[Fact]) -> set[str]: ...


W = TypeVar("W", bound=Window)


@dataclass
class Step:
    at: float  # seconds after the day starts, as scripted
    activity: str  # what the person is doing ("pytest run", "reading the Kestrel Tower page")
    window: Window
    action: Callable[[], None] | None  # None: only bring the window to the front
    note: str = ""
    static: bool = False  # nothing on screen changes until the next step


@dataclass
class Snapshot:
    """The screen after a step's action finished."""

    step: int
    wall: float  # time.time()
    mono: float
    window: str
    title: str
    activity: str
    visible: frozenset[str]
    static: bool
    cpu: dict[str, float] = field(default_factory=dict)  # capture run name -> CPU seconds
    settled: bool = False  # taken STATIC_SETTLE s into a static step (earlier changes read)


@dataclass
class Showing:
    start: float  # wall clock
    end: float
    activity: str

    @property
    def seconds(self) -> float:
        return self.end - self.start


def showings(snapshots: list[Snapshot], end: float) -> dict[str, list[Showing]]:
    """For each fact, the stretches it stayed on screen (consecutive snapshots merged)."""
    found: dict[str, list[Showing]] = {}
    for index, snap in enumerate(snapshots):
        until = snapshots[index + 1].wall if index + 1 < len(snapshots) else end
        for fact in snap.visible:
            runs = found.setdefault(fact, [])
            if runs and abs(runs[-1].end - snap.wall) < 1e-6:
                runs[-1].end = until
            else:
                runs.append(Showing(snap.wall, until, snap.activity))
    return found


@dataclass
class Exposure:
    """How a fact was shown during the day."""

    fact: Fact
    runs: list[Showing]

    @property
    def first(self) -> float:
        return self.runs[0].start

    @property
    def longest(self) -> float:
        return max(r.seconds for r in self.runs)

    @property
    def total(self) -> float:
        return sum(r.seconds for r in self.runs)

    @property
    def long(self) -> bool:
        return self.longest >= LONG_SHOWING


class Script:
    """A day being written: windows declared, then steps at a running clock (`hold` is how long
    the step lasts before the next one starts)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps: list[Step] = []
        self.windows: list[Window] = []
        self.files: list[Path] = []  # content the day shows, for check_content
        self.clock = 0.0

    def window(self, window: W) -> W:
        self.windows.append(window)
        return window

    def do(
        self,
        activity: str,
        window: Window,
        action: Callable[[], None] | None = None,
        hold: float = 10.0,
        note: str = "",
        static: bool = False,
    ) -> None:
        self.steps.append(Step(self.clock, activity, window, action, note, static))
        self.clock += hold

    @property
    def length(self) -> float:
        return self.clock


def play(
    script: Script,
    facts: dict[str, Fact],
    sample_cpu: Callable[[], dict[str, float]],
    started: float,
    on_step: Callable[[Snapshot], None] | None = None,
) -> list[Snapshot]:
    """Run the steps at their times (a late step starts as soon as it can), bringing each
    step's window to the front, and record what is on screen after each."""
    snapshots: list[Snapshot] = []

    showing: dict[str, str] = {}  # window -> the activity its content belongs to

    def snapshot(index: int, step: Step, before: bool = False, settled: bool = False) -> None:
        time.sleep(0.3)  # let the window draw
        activity = showing.get(step.window.name, step.activity) if before else step.activity
        showing[step.window.name] = activity
        snap = Snapshot(
            index,
            time.time(),
            time.monotonic(),
            step.window.name,
            step.window.title(),
            activity,
            frozenset(step.window.visible(facts.values())),
            step.static,
            sample_cpu(),
            settled,
        )
        snapshots.append(snap)
        if on_step is not None:
            on_step(snap)

    front: Window | None = None
    for index, step in enumerate(script.steps):
        delay = started + step.at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        step.window.activate()
        if step.window is not front and step.action is not None:
            snapshot(index, step, before=True)  # what it shows before the action changes it
        front = step.window
        if step.action is not None:
            step.action()
        snapshot(index, step)
        following = script.steps[index + 1].at if index + 1 < len(script.steps) else script.length
        if step.static and following - step.at > STATIC_SETTLE + 10:
            time.sleep(max(0.0, started + step.at + STATIC_SETTLE - time.monotonic()))
            snapshot(index, step, settled=True)
    # The end of the script: the last window stays; this closes the last step's stretch.
    time.sleep(max(0.0, started + script.length - time.monotonic()))
    if script.steps:
        snapshot(len(script.steps), script.steps[-1])
    return snapshots
