"""Turn a hand-written conversation script (*.conv) into a LoCoMo-format conversation.

A script is plain text so the passages can be written as people talk, not as Python strings:

    sample_id: dev-nadia-teodor
    speakers: Nadia | Teodor
    seed: 11

    [events]
    recital = 2024-03-02 day        # dates a passage mentions in its own words

    === 2024-02-12 19:40            # a session: its date and time
    A ~greet                        # a line drawn from a filler pool (pools.txt)
    A: I ran 15k {when:long-run=2024-02-10} {{and survived|and lived}}! #long-run
        continued lines are indented
    B: Look at this. [photo: a photo of a cat asleep in a sink] #cat-sink

    [questions]
    4 | What did Nadia run? | 15 km | long-run
    T | long-run | Nadia | run 15 km                  # a "when" question, its form drawn
    2 | How long after X did Y? | {gap:a:b} | a, b

`{when:LABEL=DATE[:STYLE]}` defines an event and says its date relative to the session
(`{When:...}` capitalises); later `{when:LABEL}` says the same date again. `#LABEL` marks the
turn that is evidence for LABEL. `{{a|b}}` picks one alternative. In answers, `{date:LABEL}` is
the date as precisely as the conversation gave it; `{day:}`, `{month:}`, `{year:}`, `{weekday:}`
and `{gap:A:B}` are also known.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from devdata import timephrase as tp

POOL_FILE = Path(__file__).with_name("pools.txt")


def load_pools(path: Path = POOL_FILE) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if m := re.fullmatch(r"\[(\w+)\]", line):
            current = pools.setdefault(m.group(1), [])
        elif current is None:
            raise ValueError(f"pools.txt: {line!r} is outside a [pool]")
        else:
            current.append(line)
    return pools


@dataclass
class Event:
    day: date
    granularity: str = "day"
    answer: str | None = None  # set by the phrase that first said it


@dataclass
class Conversation:
    sample_id: str
    speakers: tuple[str, str]
    short: dict[str, str]
    rng: random.Random
    events: dict[str, Event] = field(default_factory=dict)
    sessions: list[tuple[datetime, list[dict]]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # label -> dia_id
    qa: list[dict] = field(default_factory=list)


class Pools:
    """Filler lines drawn without repeats within one conversation."""

    def __init__(self, pools: dict[str, list[str]], rng: random.Random):
        self.pools, self.rng, self.left = pools, rng, {}

    def draw(self, name: str, hour: int) -> str:
        if name not in self.pools:
            raise ValueError(f"unknown pool ~{name}")
        now = "morning" if hour < 12 else ("day" if hour < 17 else "evening")
        times = {now, "night"} if hour >= 21 else {now}
        left = self.left.get(name)
        for _ in range(2):
            if not left:
                left = self.left[name] = list(self.pools[name])
                self.rng.shuffle(left)
            for i in range(len(left) - 1, -1, -1):
                m = re.match(r"\(([a-z ]+)\)\s*", left[i])
                if m is None or times & set(m.group(1).split()):
                    return left.pop(i)[m.end() if m else 0 :]
            left.clear()
        raise ValueError(f"pool ~{name} has no line for the {now}")


def _alternatives(text: str, rng: random.Random) -> str:
    return re.sub(r"\{\{(.*?)\}\}", lambda m: rng.choice(m.group(1).split("|")), text)


def _session_time(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    half = "am" if moment.hour < 12 else "pm"
    month = tp.MONTHS[moment.month - 1]
    return f"{hour}:{moment.minute:02d} {half} on {moment.day} {month}, {moment.year}"


class Builder:
    def __init__(self, path: Path, pools: dict[str, list[str]]):
        self.path = path
        self.pool_lines = pools
        self.conv: Conversation | None = None
        self.pools: Pools | None = None
        self.form_use: Counter[str] = Counter()

    def fail(self, number: int, message: str) -> None:
        raise ValueError(f"{self.path.name}:{number}: {message}")

    def build(self) -> Conversation:
        lines = self._logical_lines()
        head: dict[str, str] = {}
        section = "head"
        for number, line in lines:
            if line.startswith("==="):
                section = "session"
                self._start_session(number, line[3:].strip())
                continue
            if line in ("[events]", "[questions]"):
                section = line[1:-1]
                continue
            if section == "head":
                key, _, value = line.partition(":")
                head[key.strip()] = value.strip()
                if key.strip() == "seed":
                    self._start(head)
            elif section == "events":
                self._event(number, line)
            elif section == "session":
                self._turn(number, line)
            else:
                self._question(number, line)
        assert self.conv is not None
        return self.conv

    def _logical_lines(self) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for number, raw in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            text = re.sub(r"\s+#\s.*$|^#\s.*$|^#$", "", raw.rstrip())
            if not text.strip():
                continue
            if raw[0] in " \t" and out:
                out[-1] = (out[-1][0], out[-1][1] + " " + text.strip())
            else:
                out.append((number, text.strip()))
        return out

    def _start(self, head: dict[str, str]) -> None:
        speakers = tuple(s.strip() for s in head["speakers"].split("|"))
        short = dict(
            (pair.split("=")[0].strip(), pair.split("=")[1].strip())
            for pair in head.get("short", "").split("|")
            if "=" in pair
        )
        rng = random.Random(int(head["seed"]))
        self.conv = Conversation(head["sample_id"], (speakers[0], speakers[1]), short, rng)
        self.pools = Pools(self.pool_lines, random.Random(int(head["seed"]) * 7919))

    def _event(self, number: int, line: str) -> None:
        m = re.fullmatch(r"([\w-]+)\s*=\s*(\d{4}-\d\d-\d\d)\s*(day|week|month|year)?\s*(.*)", line)
        if not m:
            self.fail(number, "an event is LABEL = YYYY-MM-DD [day|week|month|year] [answer]")
        gran = m.group(3) or "day"
        day = date.fromisoformat(m.group(2))
        answer = (
            m.group(4).strip()
            or {
                "day": tp.day_text(day),
                "month": tp.month_text(day),
                "year": str(day.year),
                "week": f"the week of {tp.day_text(day)}",
            }[gran]
        )
        self.conv.events[m.group(1)] = Event(day, gran, answer)

    def _start_session(self, number: int, when: str) -> None:
        try:
            moment = datetime.strptime(when, "%Y-%m-%d %H:%M")
        except ValueError:
            self.fail(number, "a session starts with === YYYY-MM-DD HH:MM")
        if self.conv.sessions and moment <= self.conv.sessions[-1][0]:
            self.fail(number, "sessions must be in time order")
        self.conv.sessions.append((moment, []))

    def _names(self, speaker: str) -> dict[str, str]:
        a, b = self.conv.speakers
        me, other = (a, b) if speaker == a else (b, a)
        nick = self.conv.short.get(other, other)
        return {"A": a, "B": b, "self": me, "other": self.conv.rng.choice([other, other, nick])}

    def _when(self, number: int, m: re.Match, said: date) -> str:
        label, defined, style = m.group(2), m.group(3), m.group(4)
        if defined:
            if label in self.conv.events:
                self.fail(number, f"event {label} is defined twice")
            self.conv.events[label] = Event(date.fromisoformat(defined))
            self.defined.append(label)
        elif label not in self.conv.events:
            self.fail(number, f"event {label} is used before it is defined")
        event = self.conv.events[label]
        try:
            phrase = tp.choose(event.day, said, style, self.conv.rng)
        except ValueError as error:
            self.fail(number, str(error))
        if event.answer is None:
            event.granularity, event.answer = phrase.granularity, phrase.answer
        text = phrase.text
        return text[0].upper() + text[1:] if m.group(1) == "When" else text

    def _turn(self, number: int, line: str) -> None:
        moment, turns = self.conv.sessions[-1]
        m = re.fullmatch(r"([AB])\s*(?::\s*(.*)|~(\w+))", line)
        if not m:
            self.fail(number, f"expected 'A: text' or 'A ~pool', got {line!r}")
        speaker = self.conv.speakers[0 if m.group(1) == "A" else 1]
        text = m.group(2) if m.group(2) is not None else self.pools.draw(m.group(3), moment.hour)
        labels = re.findall(r"\s#([\w-]+)", text)
        text = re.sub(r"\s#[\w-]+", "", text)
        caption = None
        if cm := re.search(r"\s*\[photo:\s*(.*?)\]", text):
            caption = cm.group(1)
            text = text[: cm.start()] + text[cm.end() :]
        text = _alternatives(text, self.conv.rng)
        self.defined: list[str] = []
        text = re.sub(
            r"\{(when|When):([\w-]+)(?:=(\d{4}-\d\d-\d\d))?(?::([\w ]+))?\}",
            lambda w: self._when(number, w, moment.date()),
            text,
        )
        try:
            text = text.format(**self._names(speaker))
        except (KeyError, IndexError, ValueError) as error:
            self.fail(number, f"bad placeholder {error}")
        dia_id = f"D{len(self.conv.sessions)}:{len(turns) + 1}"
        # the turn that first says when an event happened is its evidence unless marked elsewhere
        labels += [x for x in self.defined if x not in labels and x not in self.conv.labels]
        for label in labels:
            if label in self.conv.labels:
                self.fail(number, f"label #{label} marks two turns")
            self.conv.labels[label] = dia_id
        turn = {"speaker": speaker, "dia_id": dia_id, "text": text.strip()}
        if caption:
            turn["blip_caption"] = caption
        turns.append(turn)

    def _value(self, number: int, m: re.Match) -> str:
        kind, args = m.group(1), m.group(2).split(":")
        events = []
        for label in args:
            if label not in self.conv.events:
                self.fail(number, f"unknown event {label}")
            events.append(self.conv.events[label])
        ev = events[0]
        if kind == "date":
            return ev.answer or tp.day_text(ev.day)
        if kind == "day":
            return tp.day_text(ev.day)
        if kind == "month":
            return tp.month_text(ev.day)
        if kind == "year":
            return str(ev.day.year)
        if kind == "weekday":
            return tp.WEEKDAYS[ev.day.weekday()]
        if kind == "gap":
            return tp.gap(events[0].day, events[1].day)
        self.fail(number, f"unknown answer value {kind}")
        return ""

    def _question(self, number: int, line: str) -> None:
        parts = [p.strip() for p in line.split("|")]
        if parts[0] == "T":
            self._when_question(number, parts)
            return
        if len(parts) != 4 or parts[0] not in "1234":
            self.fail(number, "a question is CATEGORY | question | answer | labels")
        labels = [x for x in re.split(r"[,\s]+", parts[3]) if x]
        answer = re.sub(r"\{(\w+):([\w:-]+)\}", lambda m: self._value(number, m), parts[2])
        self._add(number, int(parts[0]), parts[1], answer, labels)

    def _when_question(self, number: int, parts: list[str]) -> None:
        """A "when" question about an event, in one of several forms that fit its precision."""
        if len(parts) != 4:
            self.fail(number, "T | label[+label] | who | verb phrase")
        labels = parts[1].split("+")
        named = [self.conv.events[x] for x in labels if x in self.conv.events]
        if not named:
            self.fail(number, f"none of {labels} is an event")
        event = named[0]
        who, vp = parts[2], parts[3]
        said = max(
            self.conv.sessions[int(self.conv.labels[x][1:].split(":")[0]) - 1][0].date()
            for x in labels
            if x in self.conv.labels
        )
        span_years = self.conv.sessions[-1][0].year != self.conv.sessions[0][0].year
        answer = event.answer or tp.day_text(event.day)
        month, weekday = tp.month_text(event.day), tp.WEEKDAYS[event.day.weekday()]
        precise = event.granularity in ("day", "week", "month")
        if event.day > said:
            forms = {
                "when-going": (f"When is {who} going to {vp}?", answer, True),
                "when-will": (f"When will {who} {vp}?", answer, True),
                "date-plan": (
                    f"On what date is {who} planning to {vp}?",
                    answer,
                    event.granularity == "day",
                ),
                "month-plan": (f"Which month was {who} planning to {vp} in?", month, precise),
            }
        else:
            forms = {
                "when": (f"When did {who} {vp}?", answer, True),
                "when-exactly": (
                    f"When exactly did {who} {vp}?",
                    answer,
                    event.granularity == "day",
                ),
                "around": (
                    f"Around when did {who} {vp}?",
                    answer,
                    event.granularity in ("week", "month"),
                ),
                "month": (f"What month did {who} {vp}?", month, precise),
                "date": (f"On what date did {who} {vp}?", answer, event.granularity == "day"),
                "weekday": (
                    f"What day of the week did {who} {vp}?",
                    weekday,
                    event.granularity == "day",
                ),
                "year": (
                    f"In which year did {who} {vp}?",
                    str(event.day.year),
                    span_years or event.granularity == "year",
                ),
            }
        usable = sorted(k for k, (_, _, ok) in forms.items() if ok)
        fewest = min(self.form_use[k] for k in usable)
        kind = self.conv.rng.choice([k for k in usable if self.form_use[k] == fewest])
        self.form_use[kind] += 1
        question, answer, _ = forms[kind]
        self._add(number, 2, question, answer, labels)

    def _add(
        self, number: int, category: int, question: str, answer: str, labels: list[str]
    ) -> None:
        missing = [x for x in labels if x not in self.conv.labels]
        if missing:
            self.fail(number, f"no turn is marked #{', #'.join(missing)}")
        evidence = list(dict.fromkeys(self.conv.labels[x] for x in labels))
        sessions = {e.split(":")[0] for e in evidence}
        if category == 1 and len(sessions) < 2:
            self.fail(number, "a multi-hop question needs evidence from two sessions or more")
        self.conv.qa.append(
            {"question": question, "answer": answer, "evidence": evidence, "category": category}
        )


def to_locomo(conv: Conversation) -> dict:
    a, b = conv.speakers
    body: dict = {"speaker_a": a, "speaker_b": b}
    for n, (moment, turns) in enumerate(conv.sessions, 1):
        body[f"session_{n}_date_time"] = _session_time(moment)
        body[f"session_{n}"] = turns
    return {"sample_id": conv.sample_id, "conversation": body, "qa": conv.qa}


def build(path: Path, pools: dict[str, list[str]] | None = None) -> Conversation:
    return Builder(path, pools if pools is not None else load_pools()).build()
