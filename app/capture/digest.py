"""The text of one activity session: what was read on screen, each line once.

Frames of the same window repeat some of their text and OCR varies a little between reads, so
lines from a later read are merged: an exact repeat is dropped, a line that grew (typing)
replaces its earlier version, and one read slightly differently (same numbers, 90 % alike) adds
nothing. Each line remembers the read that last changed it (`seq`), so the agents receive only
what is new since their previous batch.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

_ALNUM = re.compile(r"[^\W_]", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_KEY = re.compile(r"[^\w]+", re.UNICODE)


def clean_line(line: str) -> str | None:
    """A line worth keeping, whitespace collapsed; None for OCR noise (icons, rules, dots)."""
    text = " ".join(line.split())
    if len(text) < 3:
        return None
    letters = len(_ALNUM.findall(text))
    if letters < 2 or letters < 0.4 * len(text.replace(" ", "")):
        return None
    return text


def _key(text: str) -> str:
    return _KEY.sub("", text.lower())[:8]


@dataclass
class _Line:
    seq: int
    text: str


class TextDigest:
    """Ordered, merged lines with a size limit (the episodic `details` field's)."""

    def __init__(self, lines: Iterable[tuple[int, str]] = (), limit: int = 18_000) -> None:
        self._lines = [_Line(seq, text) for seq, text in lines]
        self.limit = limit
        self._by_key: dict[str, list[_Line]] = {}
        for line in self._lines:
            self._by_key.setdefault(_key(line.text), []).append(line)
        self.chars = sum(len(line.text) + 1 for line in self._lines)
        self.full = False

    def __len__(self) -> int:
        return len(self._lines)

    def add(self, lines: Iterable[str], seq: int) -> list[str]:
        """Merge lines from one read; returns the lines that did not fit (the session is full)."""
        overflow: list[str] = []
        for raw in lines:
            text = clean_line(raw)
            if text is None:
                continue
            if overflow:
                overflow.append(text)
                continue
            if not self._merge(text, seq):
                overflow.append(text)
        if overflow:
            self.full = True
        return overflow

    def _merge(self, text: str, seq: int) -> bool:
        key = _key(text)
        for line in self._by_key.get(key, ()):
            if line.text == text:
                return True
            if line.seq != seq and self._same_line(line.text, text):
                if len(text) > len(line.text):
                    if self.chars + len(text) - len(line.text) > self.limit:
                        return False
                    self.chars += len(text) - len(line.text)
                    line.text, line.seq = text, seq
                return True
        if self.chars + len(text) + 1 > self.limit:
            return False
        line = _Line(seq, text)
        self._lines.append(line)
        self._by_key.setdefault(key, []).append(line)
        self.chars += len(text) + 1
        return True

    @staticmethod
    def _same_line(old: str, new: str) -> bool:
        """The same line read again by a later read: one grew from the other (typing), or they
        differ only by a few misread letters. Lines whose numbers differ are different lines
        (table rows, log entries), however alike."""
        if min(len(old), len(new)) >= 8 and (new.startswith(old) or old.startswith(new)):
            return True
        if min(len(old), len(new)) < 20 or _DIGITS.findall(old) != _DIGITS.findall(new):
            return False
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        return matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9

    def text(self) -> str:
        return "\n".join(line.text for line in self._lines)

    def since(self, seq: int) -> list[str]:
        """Lines added or changed by reads after `seq`."""
        return [line.text for line in self._lines if line.seq > seq]

    def max_seq(self) -> int:
        return max((line.seq for line in self._lines), default=0)

    def to_json(self) -> str:
        return json.dumps([[line.seq, line.text] for line in self._lines], ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str, limit: int = 18_000) -> TextDigest:
        try:
            items = json.loads(raw or "[]")
        except ValueError:
            items = []
        return cls(((int(seq), str(text)) for seq, text in items), limit)
