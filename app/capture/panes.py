"""A pane of a window replaced in place, found from pixels: the reading pane of a mail app
when the next message opens, a chat's conversation when another is picked, a settings page,
a preview beside a file list. One part of the window shows wholly different content, nothing
in it moved (a scroll moves what was there), and text beside it stayed where it was (the
list it was picked from). `subjects.new_content` then asks less of the words to call it a new
subject: a short message whose subject the list beside it repeats is still another message.

Pixels are compared as ink: where the grey level steps sharply along a row (a glyph's edges).
A selected list item's tint or a bold-to-regular unread mark barely moves ink, and the same
ink on another background (a dark theme) is the same. The window is cut into vertical strips;
each pixel row of each strip is one cell, compared with the window's last read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRIPS = 24
EDGE = 40  # a grey step this large between neighbouring pixels is ink
CELL_CHANGED = 0.3  # a cell whose ink differs by this share of its ink (and 3 pixels) changed
PANE_SHARE = 0.6  # a pane's strips changed this share of their inked cells
BESIDE_SHARE = 0.3  # strips beside it changed at most this share, and
BESIDE_ROWS = 24  # hold at least this many pixel rows of unchanged text beside the pane
TEXT_INK = 8  # a pixel row of text has this much ink (a scrollbar or a border has 2-6)
MIN_ROWS = 0.15  # a pane is at least this share of the window's height,
MIN_WIDTH = 0.25  # and of its width,
MAX_WIDTH = 0.85  # and leaves this much of the width beside it (not a page with a scrollbar)
WHOLESALE = 0.75  # this share of the pane's inked cells changed
SHIFT_ROWS = 6  # inked rows found again at one offset (and most of the rows that overlap
SHIFT_SHARE = 0.7  # there, this share): the pane scrolled


@dataclass(frozen=True)
class Pane:
    """A replaced part of the window, in its pixels: rows [top, bottom), columns [left, right);
    `reach`: the columns to read it from, up to the text that stayed beside it (so a line of
    the list and a line of the pane are never read as one)."""

    top: int
    bottom: int
    left: int
    right: int
    reach: tuple[int, int] = (0, 0)


def ink(gray: np.ndarray) -> np.ndarray:
    """(rows, STRIPS, strip width) booleans: the glyph edges of a grey image."""
    height, width = gray.shape
    strip = -(-width // STRIPS)
    steps = np.zeros((height, strip * STRIPS), dtype=bool)
    wide = gray.astype(np.int16)
    steps[:, 1:width] = np.abs(wide[:, 1:] - wide[:, :-1]) > EDGE
    return steps.reshape(height, STRIPS, strip)


def replaced_pane(before: np.ndarray | None, after: np.ndarray) -> Pane | None:
    """The pane of `after` (ink) that replaced what `before` showed there, or None: nothing
    changed much, the whole width changed (a page scrolled or paged), content moved, or
    nothing beside it stayed."""
    if before is None or before.shape != after.shape:
        return None
    height, strips, strip = after.shape
    counts_before, counts_after = before.sum(axis=2), after.sum(axis=2)
    differ = (before ^ after).sum(axis=2)
    changed = (differ >= 3) & (differ > CELL_CHANGED * np.maximum(counts_before, counts_after))
    inked = (counts_before > 0) | (counts_after > 0)
    columns = _pane_columns(changed, inked)
    if columns is None:
        return None
    left, right = columns
    rows = np.flatnonzero(changed[:, left:right].any(axis=1))
    if rows.size == 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    if bottom - top < MIN_ROWS * height:
        return None
    if not (MIN_WIDTH * strips <= right - left <= MAX_WIDTH * strips):
        return None
    pane_inked = inked[top:bottom, left:right]
    if (changed[top:bottom, left:right] & pane_inked).sum() < WHOLESALE * pane_inked.sum():
        return None
    beside = np.ones(strips, dtype=bool)
    beside[left:right] = False
    side_inked = inked[top:bottom][:, beside] & (counts_after[top:bottom][:, beside] > 0)
    side_changed = changed[top:bottom][:, beside] & side_inked
    if side_changed.sum() > BESIDE_SHARE * max(1, side_inked.sum()):
        return None
    steady = np.where(side_inked & ~side_changed, counts_after[top:bottom][:, beside], 0)
    if int((steady.sum(axis=1) >= TEXT_INK).sum()) < BESIDE_ROWS:  # text, not a scrollbar
        return None
    if _scrolled(before[top:bottom, left:right], after[top:bottom, left:right]):
        return None
    # Strips beside the pane that hold text that stayed bound what is read of it.
    # The pane's own text may begin in the strip before its first (the same "From:" at the
    # same place in two messages), so one strip each side is always read.
    texts = np.flatnonzero(beside)[(steady >= TEXT_INK // 2).sum(axis=0) >= BESIDE_ROWS]
    start = min(max((int(s) + 1 for s in texts if s < left), default=0), max(0, left - 1))
    end = max(min((int(s) for s in texts if s >= right), default=strips), min(strips, right + 1))
    return Pane(top, bottom, left * strip, right * strip, (start * strip, end * strip))


def _pane_columns(changed: np.ndarray, inked: np.ndarray) -> tuple[int, int] | None:
    """The longest run of strips whose inked cells mostly changed."""
    share = changed.sum(axis=0) / np.maximum(1, inked.sum(axis=0))
    mostly = share >= PANE_SHARE
    best: tuple[int, int] | None = None
    start = None
    for index, flag in enumerate([*mostly.tolist(), False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if best is None or index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


def _scrolled(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether `after` is `before` moved up or down: at one offset, the inked rows where the two
    overlap are mostly the same rows (a line that happens to recur elsewhere is no scroll)."""
    weights = np.random.default_rng(16).uniform(1.0, 2.0, before.shape[1] * before.shape[2])
    old = before.reshape(before.shape[0], -1) @ weights
    new = after.reshape(after.shape[0], -1) @ weights
    where: dict[float, list[int]] = {}
    for row, value in enumerate(old.tolist()):
        if value:
            where.setdefault(value, []).append(row)
    offsets: dict[int, int] = {}
    for row, value in enumerate(new.tolist()):
        rows = where.get(value, ())
        if len(rows) <= 4:  # rules and borders recur everywhere: no clue
            for then in rows:
                if then != row:
                    offsets[row - then] = offsets.get(row - then, 0) + 1
    height = len(new)
    for shift, count in sorted(offsets.items(), key=lambda item: -item[1])[:3]:
        if count < SHIFT_ROWS:
            break
        moved = new[max(0, shift) : height + min(0, shift)]
        was = old[max(0, -shift) : height - max(0, shift)]
        overlap = (moved != 0) | (was != 0)
        if (moved == was)[overlap].mean() >= SHIFT_SHARE:
            return True
    return False
