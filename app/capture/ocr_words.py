"""Words from tesseract's TSV output: which to keep, and, in a terminal, the underscores it
read as spaces put back by looking at the pixels.

Tesseract's word confidence is low for many real words (the first word after a wide gap, a long
number with slashes in a crowded frame: "= 21.9/23.4/25.8/1.6" at 0), while its unsure guesses
at icons and rules are mostly punctuation or runs of one letter. So a word is kept when it is
sure, when it looks like a word, or when it is shaped like a number or value at all.

A terminal draws every character in one cell of a grid; tesseract often reads a thin underscore
between two words as a space ("pg ctl" for "pg_ctl"). When the cells between two words hold a
horizontal stroke under the line and nothing else, they were underscores.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

LOW_CONFIDENCE = 10.0  # below this, only numbers and values are kept (see `kept`)
MIN_CONFIDENCE = 30.0  # at or above this, every word is kept

_WORDLIKE = re.compile(r"[^\W_]", re.UNICODE)
# A number or value: digits with separators, an optional sign or label mark before and a unit
# after ("21.9/23.4/25.8/1.6", "=21.9", "06:10", "2003ms", "11.8M", "45%", "(10.20.0.1):").
_VALUE = re.compile(r"[=:(\[<~+-]?\$?\d+(?:[.,:/x-]\d+)*(?:[A-Za-z%]{1,3})?[)\]>,;:.%]?[)\]>,;:]?")

# A path or branch name: two or more name parts joined by slashes ("feature/fx-rates",
# "origin/main", "/srv/data", "backup@vault-07.internal:/srv/archive/").
_PATH = re.compile(r"[~.]?/?(?:[A-Za-z0-9][\w.@:~+-]*/)+[\w.@:~+-]*[,)]?")
_NAME_PART = re.compile(r"[A-Za-z0-9][\w.@:~+-]*[A-Za-z0-9]")


@dataclass
class Word:
    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[str, str, str, str]  # page, block, paragraph, line
    glue: bool = False  # joined to the next word without a space (an underscore between)

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


def kept(text: str, confidence: float, min_confidence: float = MIN_CONFIDENCE) -> bool:
    """Words tesseract is sure of, less sure ones that look like words, and any that is shaped
    like a number, a value or a path (a dropped one loses the fact; noise rarely has that
    shape)."""
    if confidence >= min_confidence:
        return True
    if _VALUE.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 2:
        return True
    if _PATH.fullmatch(text) and len(_NAME_PART.findall(text)) >= 2:
        return True
    if confidence < LOW_CONFIDENCE:
        return False
    letters = len(_WORDLIKE.findall(text))
    return letters >= 2 and letters >= 0.6 * len(text)


def tsv_words(tsv: str) -> Iterator[Word]:
    """Every word row of tesseract's TSV output, in reading order (rows that do not parse are
    skipped)."""
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        try:
            confidence = float(cols[10])
            left, top, width, height = (int(c) for c in cols[6:10])
        except ValueError:
            continue
        line = (cols[1], cols[2], cols[3], cols[4])
        yield Word(cols[11].strip(), confidence, left, top, width, height, line)


def parse_words(tsv: str, min_confidence: float = MIN_CONFIDENCE) -> list[Word]:
    """The kept words of tesseract's TSV output, in reading order."""
    return [
        word
        for word in tsv_words(tsv)
        if word.text and kept(word.text, word.confidence, min_confidence)
    ]


def lines_of(words: list[Word]) -> list[str]:
    """Words joined into lines (a glued word and the next one without a space)."""
    lines: dict[tuple[str, str, str, str], str] = {}
    glued = False
    for word in words:
        before = lines.get(word.line)
        if before is None:
            lines[word.line] = word.text
        else:
            lines[word.line] = before + ("" if glued else " ") + word.text
        glued = word.glue
    return list(lines.values())


def cell_width(words: list[Word]) -> float | None:
    """The width of one character cell of a monospace grid, from where words start: the
    distance between two words' starts on a line is a whole number of cells."""
    sizes = [w.width / len(w.text) for w in words if len(w.text) >= 4]
    if len(sizes) < 3:
        return None
    guess = float(np.median(sizes))
    steps = []
    for before, after in itertools.pairwise(words):
        if before.line != after.line or after.left <= before.left:
            continue
        cells = round((after.left - before.left) / guess)
        if 2 <= cells <= 40:
            steps.append((after.left - before.left) / cells)
    return float(np.median(steps)) if len(steps) >= 3 else guess


def join_underscores(words: list[Word], gray: np.ndarray) -> int:
    """Put back underscores read as spaces between words of a terminal line: the cells between
    two words hold one horizontal stroke, below the letters, across the whole gap, and no other
    ink. `gray`: the image tesseract read (dark ink on a light ground). Returns how many gaps
    were joined; the first word of each joined pair gains the underscores ("pg_" + "ctl")."""
    cell = cell_width(words)
    if cell is None or cell < 4:
        return 0
    joined = 0
    floors = _floors(words)
    tall = float(np.median([w.height for w in words]))
    for before, after in itertools.pairwise(words):
        if before.line != after.line:
            continue
        # Where the gap's cells lie on the grid (a word's box may run past its text when
        # tesseract split one blob into words, so its start and length place it).
        end = before.left + len(before.text) * cell
        cells = round((after.left - end) / cell)
        if cells == 0 and (before.text.endswith("_") or after.text.startswith("_")):
            before.glue = True  # no cell between them: tesseract made up the space
            joined += 1
        elif not (before.text[-1:].isalnum() and after.text[:1].isalnum()) or not 1 <= cells <= 3:
            continue
        elif max(before.height, after.height) > 1.8 * tall:
            continue  # a box that runs into the next line: its pixels are not this gap's
        elif _underline(gray, (after.left - cells * cell, after.left), before, after, cell, floors):
            before.text += "_" * cells
            before.glue = True
            joined += 1
    return joined


def _floors(words: list[Word]) -> dict[tuple[str, str, str, str], int]:
    """Per line, the row just above the next line's letters (an underscore is drawn inside
    its own line's cells, so nothing lower belongs to the gap)."""
    tops: dict[tuple[str, str, str, str], int] = {}
    for word in words:
        tops[word.line] = min(tops.get(word.line, word.top), word.top)
    height = float(np.median([w.height for w in words])) if words else 0.0
    ordered = sorted(tops.values())
    floors = {}
    for line, top in tops.items():
        below = [t for t in ordered if t > top + 0.6 * height]
        floors[line] = below[0] - 1 if below else 1 << 30
    return floors


def _underline(
    gray: np.ndarray,
    span: tuple[float, float],
    before: Word,
    after: Word,
    cell: float,
    floors: dict[tuple[str, str, str, str], int],
) -> bool:
    """Whether the gap holds an underscore stroke and nothing else."""
    margin = 0.2 * cell
    x0, x1 = int(span[0] + margin), int(span[1] - margin)
    height = max(before.height, after.height)
    top = min(before.top, after.top)
    baseline = min(before.bottom, after.bottom)  # a word with a descender reaches lower
    y1 = min(gray.shape[0], int(baseline + 0.4 * height), floors.get(before.line, 1 << 30))
    if x1 - x0 < 2 or y1 - top < 4:
        return False
    patch = gray[top:y1, x0:x1].astype(np.int16)
    ground = int(np.median(gray[top:y1, int(before.left) : int(after.right)]))
    ink = patch < ground - 40
    rows = ink.mean(axis=1)
    strokes = np.flatnonzero(rows >= 0.7)
    if strokes.size == 0 or strokes[-1] - strokes[0] > max(3, 0.15 * height):
        return False
    under = gray[top + strokes[0] : top + strokes[-1] + 1, before.left : after.right]
    if float((under.astype(np.int16) < ground - 40).mean()) > 0.5:
        return False  # a bar under both words too (an edge, a rule): not an underscore
    if strokes[0] < baseline - top - 0.2 * height:
        return False  # a dash or an equals sign, at the letters' middle
    others = np.delete(ink, np.arange(max(0, strokes[0] - 1), min(len(ink), strokes[-1] + 2)), 0)
    return float(others.mean()) < 0.02 if others.size else True
