"""A model's answer, checked sentence by sentence before anyone sees it.

Every name, number, date, time, e-mail address, link or code in a sentence must appear in the
memories the model was given or in the question (compared after normalising: "9pm" = "21:00",
"14 February" = "February 14th", "Gdańsk" = "gdansk"); a sentence that names anything else is
dropped whole. `SentenceGate` holds the streamed tokens until a sentence is complete and
releases only sentences that passed, so a long good answer still streams and an invented one is
never shown, whichever model wrote it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from app.agents.claims import Claim, fold, is_word, number_value, scan
from app.agents.text import content_words
from app.agents.when import MONTHS, find_dates
from app.llm.base import ChatModel, Completion, GenerationOptions, Message

UNKNOWN = re.compile(
    r"(?i)\b(?:do not|don't|cannot|can't|could not|couldn't)\s+(?:know|remember|find|recall)|"
    r"\bno (?:memories|memory|information|record)\b|\bnot (?:mentioned|stated|say)\b"
)
_LIST_COPY = re.compile(
    r"\[\d{1,2}\]\s*\((?:core|episodic|semantic|procedural|resource|vault|\d{4}-\d{2}-\d{2})"
)
_MARKER = re.compile(r"\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]")
_END = re.compile(r"[.!?…]+[\"'”’)\]*_]*(?=\s)|\n")
_ABBREVIATIONS = frozenset(
    "dr mr mrs ms st mt no nr vs etc e.g i.e eg ie fig approx jr sr prof rd ave inc ltd co".split()
)
_LOOSE_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_MONTH_WORDS = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b")
_WORDS = re.compile(r"[^\W_]+(?:['-][^\W_]+)*", re.UNICODE)


class Evidence:
    """What a checked sentence may mention: the memories' text and dates, and the question."""

    def __init__(self, pieces: Iterable[tuple[str, datetime | None]] = ()) -> None:
        self.text = ""
        self.words: set[str] = set()
        self.keys: set[object] = set()
        self.runs: list[str] = []  # digit runs (phone numbers, ids) to find parts of
        for text, moment in pieces:
            self.add(text, moment)

    def add(self, text: str, moment: datetime | None = None) -> None:
        folded = fold(text)
        self.text += "\n" + folded
        for word in _WORDS.findall(folded):
            self.words.add(word)
            self.words.update(part for part in re.split(r"['-]", word) if part)
        found, rest = scan(text)
        for claim in found:
            if claim.kind == "name":
                continue
            self._keys(claim.keys)
            if claim.kind == "digits":
                self.runs.append(str(claim.keys[0][1]))  # type: ignore[index]
        for raw in _LOOSE_NUMBER.findall(rest):
            value = number_value(raw)
            if value is not None:
                self.keys.add(("n", value))
            if raw.isdigit() and len(raw) >= 4:
                self.runs.append(raw)
                if 1000 <= int(raw) <= 2999:
                    self.keys.add(("year", int(raw)))
        for word in _MONTH_WORDS.findall(folded):
            self.keys.add(("month", MONTHS[word]))
        if moment is not None:
            self.date(moment)
            for mention in find_dates(text, moment):
                if mention.precision in ("day", "time"):
                    self.keys.add(("day", mention.day.month, mention.day.day))
                    self.keys.add(("dn", float(mention.day.day)))
                self.keys.add(("month", mention.day.month))
                self.keys.add(("year", mention.day.year))

    def date(self, moment: datetime) -> None:
        """A memory's own date: "on 8 March 2026" may be said of it."""
        day = moment.astimezone().date() if moment.tzinfo else moment.date()
        self.keys.update(
            {
                ("day", day.month, day.day),
                ("dn", float(day.day)),
                ("month", day.month),
                ("year", day.year),
            }
        )

    def _keys(self, keys: tuple[object, ...]) -> None:
        for key in keys:
            self.keys.add(key)
            if isinstance(key, tuple) and key[0] == "day":
                self.keys.add(("month", key[1]))
                self.keys.add(("dn", float(key[2])))  # "the 3rd", never "3am"

    def supports(self, claim: Claim) -> bool:
        if claim.kind == "name":
            name = str(claim.keys[0])
            return name in self.words or bool(
                re.search(rf"(?<![^\W\d_]){re.escape(name)}", self.text)
            )
        if claim.kind == "literal":
            return str(claim.keys[0]) in self.text
        for key in claim.keys:
            if key in self.keys:
                return True
            if isinstance(key, tuple) and key[0] == "n" and ("dn", key[1]) in self.keys:
                return True  # "on the 3rd" of a memory's day
            if isinstance(key, tuple) and key[0] == "digits":
                digits = str(key[1])
                forms = {digits, digits[1:] if digits.startswith("0") else digits}
                if any(form in run for form in forms for run in self.runs):
                    return True  # "07700 900315" is "+44 7700 900315" said at home
                if digits in self.text:
                    return True
            if isinstance(key, tuple) and key[0] == "time" and key[1] % 60 == 0:
                hour = key[1] // 60  # "closes at 9" supports "9pm" and "21:00"
                if ("n", float(hour)) in self.keys or ("n", float(hour - 12)) in self.keys:
                    return True
            if isinstance(key, tuple) and key[0] == "n" and float(key[1]).is_integer():
                hour = int(key[1])  # "at 9" when the memory says "9pm"
                if 0 <= hour <= 24 and any(
                    ("time", (hour + shift) * 60) in self.keys for shift in (0, 12)
                ):
                    return True
        return False

    def unsupported(self, sentence: str) -> list[str]:
        """What the sentence names that the evidence does not hold, as written."""
        found, _ = scan(sentence, is_word)
        missing: list[str] = []
        for claim in found:
            if not self.supports(claim) and claim.text not in missing:
                missing.append(claim.text)
        return missing


@dataclass(frozen=True)
class Dropped:
    sentence: str
    reason: str  # "invented" | "off-topic" | "format" | "repeat"
    unsupported: tuple[str, ...] = ()


def strip_markers(text: str) -> str:
    return _MARKER.sub(" ", text)


class SentenceGate:
    """Holds streamed tokens until a sentence ends; releases it only if it passed the check."""

    def __init__(
        self,
        evidence: Evidence,
        emit: Callable[[str], None] | None = None,
        question: str | None = None,
    ) -> None:
        self.evidence = evidence
        self._emit = emit
        # The first sentence must be about the question: a small model often recites another
        # memory, true but no answer.
        self._topic = content_words(question) if question else set()
        self._buffer = ""
        self._seen: set[str] = set()
        self.released: list[str] = []
        self.dropped: list[Dropped] = []

    @property
    def text(self) -> str:
        return "".join(self.released)

    @property
    def waiting(self) -> str:
        """Text held back so far (not yet a whole sentence)."""
        return self._buffer

    def feed(self, token: str) -> None:
        self._buffer += token
        while True:
            cut = self._boundary()
            if cut is None:
                return
            piece, self._buffer = self._buffer[:cut], self._buffer[cut:]
            self._judge(piece)

    def finish(self) -> None:
        """The model is done: the last, unterminated sentence is judged too."""
        if self._buffer:
            self._judge(self._buffer)
        self._buffer = ""

    def discard(self) -> None:
        """Stopped: what was never checked is never shown."""
        self._buffer = ""

    def _boundary(self) -> int | None:
        buffer = self._buffer
        for match in _END.finditer(buffer):
            if match.group(0) != "\n" and self._not_an_end(buffer, match.start()):
                continue
            cut = match.end()
            rest = buffer[cut:]
            spaces = len(rest) - len(rest.lstrip(" \t\n"))
            after = rest[spaces:]
            if match.group(0) != "\n" and not after:
                return None  # wait: a citation marker may follow the full stop
            if after.startswith("["):
                marker = re.match(r"\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]", after)
                if marker:
                    tail = after[marker.end() :]
                    if not tail.strip() and "\n" not in tail:
                        return None
                    cut += spaces + marker.end()
                    rest = buffer[cut:]
                    spaces = len(rest) - len(rest.lstrip(" \t\n"))
                elif re.fullmatch(r"\[\d{0,2}(?:\s*[,;]\s*\d{0,2})*", after):
                    return None  # an unfinished marker
            return cut + spaces
        return None

    @staticmethod
    def _not_an_end(buffer: str, at: int) -> bool:
        """A full stop after an abbreviation, an initial or a list number ends no sentence."""
        if buffer[at] != ".":
            return False
        line = buffer[:at].rsplit("\n", 1)[-1]
        words = line.split()
        if not words:
            return True
        last = words[-1].lower().strip("(\"'“")
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            return True
        return len(words) == 1 and last.isdigit()  # "1." opening a list item

    def _judge(self, piece: str) -> None:
        core = piece.strip()
        if not core:
            if self.released:
                self._release(piece)
            return
        check = " ".join(strip_markers(core).split())
        key = fold(check)
        if _LIST_COPY.search(core):
            self.dropped.append(Dropped(core, "format"))
            return
        if key in self._seen and len(key) > 12:
            self.dropped.append(Dropped(core, "repeat"))
            return
        missing = self.evidence.unsupported(check)
        if missing:
            self.dropped.append(Dropped(core, "invented", tuple(missing)))
            return
        if (
            self._topic
            and not self.released
            and not self._topic & content_words(check)
            and not UNKNOWN.search(check)  # "I do not remember" is an answer to anything
        ):
            self.dropped.append(Dropped(core, "off-topic"))
            return
        self._seen.add(key)
        self._release(piece)

    def _release(self, piece: str) -> None:
        self.released.append(piece)
        if self._emit is not None:
            self._emit(piece)


def check_answer(text: str, evidence: Evidence) -> tuple[str, list[Dropped]]:
    """A whole (not streamed) answer through the same gate: what may be shown, what was not."""
    gate = SentenceGate(evidence)
    gate.feed(text)
    gate.finish()
    return gate.text, gate.dropped


class _Stop(threading.Event):
    """Set by the person (their cancel) or by the gate (the model only invents)."""

    def __init__(self, outer: threading.Event | None) -> None:
        super().__init__()
        self._outer = outer

    def is_set(self) -> bool:
        return super().is_set() or (self._outer is not None and self._outer.is_set())

    @property
    def gave_up(self) -> bool:
        return super().is_set()


GIVE_UP_AFTER = 3  # dropped sentences with nothing released: the model is not answering


def run_checked(
    model: ChatModel,
    messages: list[Message],
    options: GenerationOptions,
    evidence: Evidence,
    on_token: Callable[[str], None] | None,
    cancel: threading.Event | None,
    question: str | None = None,
) -> tuple[Completion, SentenceGate, bool]:
    """Generate with every sentence checked before `on_token` sees it. Returns the completion,
    the gate (what was released and dropped) and whether the person stopped it."""
    gate = SentenceGate(evidence, on_token, question)
    stop = _Stop(cancel)

    def token(text: str) -> None:
        gate.feed(text)
        if len(gate.dropped) >= GIVE_UP_AFTER and not gate.released:
            stop.set()

    completion = model.complete(messages, options, on_token=token, cancel=stop)
    stopped = cancel is not None and cancel.is_set()
    if stopped or stop.gave_up:
        gate.discard()
    else:
        gate.finish()
    return completion, gate, stopped
