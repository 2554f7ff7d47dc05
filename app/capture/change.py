"""What is new on screen, found cheaply, so OCR reads only that.

Two stages. First, the raw pixels of a window are compared with the previous grab byte for byte
(a memcmp: an unchanged screen costs almost nothing). Second, when something changed and a read
is due, the grey image is cut into 8 vertical strips and every pixel row of every strip gets a
fingerprint (a random-weighted sum). A cell whose fingerprint was already seen in this session is
known content, wherever it now sits: scrolled text, a window brought back, a sidebar that did not
move. Rows with unknown cells become bands to read; when most rows are new, the whole window is
read instead (one OCR call over the window costs less than many bands).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.capture.context import Rect

STRIPS = 8


def bgra_to_gray(raw: bytes | bytearray | memoryview, width: int, height: int) -> np.ndarray:
    """Luminance (ITU-R 601 weights, integer arithmetic) of a BGRA/BGRX buffer."""
    pixels = np.frombuffer(raw, dtype=np.uint8, count=width * height * 4).reshape(height, width, 4)
    gray = pixels[:, :, 2].astype(np.uint16) * 77
    gray += pixels[:, :, 1].astype(np.uint16) * 150
    gray += pixels[:, :, 0].astype(np.uint16) * 29
    return (gray >> 8).astype(np.uint8)


DARK_MEDIAN = 110  # a window whose median luminance is below this is a dark theme
COLOUR_CHROMA = 64  # max - min channel from which a pixel is coloured (not grey)
SOLID_RUN = 40  # coloured pixels in a row this long are a background (a bar), not a stroke
BAR_HEIGHT = 48  # at most this many rows between a bar's long runs (a line of text at 2x)


def reading_gray(colour: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """The window as OCR should see it. Luminance drops coloured text on a dark theme to the
    background's level — red (205,0,0) is 61 of 255, blue (0,0,238) 27 — so a terminal's red
    errors, blue directories and magenta lines were never read. On a dark window a coloured
    stroke takes its brightest channel instead; coloured backgrounds (runs of SOLID_RUN pixels:
    a status bar, a highlight) keep their luminance so the text on them stays apart. `colour`
    is the window's pixels (height, width, 3 or 4 channels, in any order: only the brightest
    and darkest colour channel are used); light windows are returned as they are."""
    if gray.size == 0 or float(np.median(gray[::4, ::4])) >= DARK_MEDIAN:
        return gray
    first, second, third = colour[:, :, 0], colour[:, :, 1], colour[:, :, 2]
    high = np.maximum(np.maximum(first, second), third)
    low = np.minimum(np.minimum(first, second), third)
    coloured = (high.astype(np.int16) - low >= COLOUR_CHROMA) & (high > gray.astype(np.int16) + 40)
    if not coloured.any():
        return gray
    strokes = coloured & ~_bars(coloured)
    out = gray.copy()
    out[strokes] = high[strokes]
    return out


def _bars(coloured: np.ndarray, step: int = 4) -> np.ndarray:
    """Coloured backgrounds: runs of SOLID_RUN coloured pixels, and a column's gap between two
    such rows (a bar's rows above and below its text are long runs; between them the letters
    cut its colour into short pieces). Found on cells of `step` columns all coloured (a bar is
    wide) and widened by one cell each side, so a stroke beside a bar stays as it was."""
    height, width = coloured.shape
    cells = width // step
    if cells == 0:
        return np.zeros_like(coloured)
    whole = np.all(coloured[:, : cells * step].reshape(height, cells, step), axis=2)
    sampled = _between(_in_runs(whole, SOLID_RUN // step), BAR_HEIGHT)
    sampled[:, 1:] |= sampled[:, :-1].copy()
    sampled[:, :-1] |= sampled[:, 1:].copy()
    bars = np.repeat(sampled, step, axis=1)
    if bars.shape[1] < width:  # the last columns, fewer than a cell: as the cell before
        bars = np.concatenate([bars, np.repeat(bars[:, -1:], width - bars.shape[1], axis=1)], 1)
    return bars


def _between(mask: np.ndarray, height: int) -> np.ndarray:
    """`mask` with each column's gaps of fewer than `height` rows between two True cells filled."""
    rows = np.arange(mask.shape[0], dtype=np.int32)[:, None]
    far = 1 << 24  # no True cell above (below): far enough that the gap is never filled
    above = np.maximum.accumulate(np.where(mask, rows, -far), axis=0)
    below = np.minimum.accumulate(np.where(mask, rows, far)[::-1], axis=0)[::-1]
    return mask | ((below - above) <= height)


def _in_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Which True cells of each row lie in a horizontal run of at least `length` True cells."""
    height, width = mask.shape
    if width < length:
        return np.zeros_like(mask)
    counts = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=counts[:, 1:])
    full = counts[:, length:] - counts[:, :-length] == length  # a full window starts at x
    starts = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(full, axis=1, out=starts[:, 1 : full.shape[1] + 1])
    starts[:, full.shape[1] + 1 :] = starts[:, full.shape[1] : full.shape[1] + 1]
    # x is covered when a full window starts anywhere in [x - length + 1, x].
    x = np.arange(width)
    first = np.maximum(0, x - length + 1)
    return (starts[:, x + 1] - starts[:, first]) > 0


def blank_out(gray: np.ndarray, rects: Sequence[Rect]) -> None:
    """Paint rectangles (in image coordinates) white: windows stacked above the one we read."""
    height, width = gray.shape
    for rect in rects:
        top, bottom = max(0, rect.top), min(height, rect.bottom)
        left, right = max(0, rect.left), min(width, rect.right)
        if bottom > top and right > left:
            gray[top:bottom, left:right] = 255


@lru_cache(maxsize=16)
def _weights(size: int) -> np.ndarray:
    return np.random.default_rng(20240501).uniform(1.0, 2.0, size)


def fingerprint(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, blank): one float64 fingerprint per (row, strip), and whether that cell is a
    single flat colour (background never counts as new content)."""
    height, width = gray.shape
    strip = -(-width // STRIPS)
    if strip * STRIPS != width:
        padded = np.full((height, strip * STRIPS), 255, dtype=np.uint8)
        padded[:, :width] = gray
        gray = padded
    cells = gray.reshape(height, STRIPS, strip)
    hashes = cells @ _weights(strip)
    blank = cells.min(axis=2) == cells.max(axis=2)
    return hashes, blank


class KnownContent:
    """Fingerprints already read in one session (bounded; reset when it grows too large)."""

    def __init__(self, cap: int = 400_000) -> None:
        self._known = np.empty(0, dtype=np.float64)
        self._cap = cap

    def __len__(self) -> int:
        return int(self._known.size)

    def new_cells(self, hashes: np.ndarray, blank: np.ndarray) -> np.ndarray:
        if self._known.size == 0:
            return ~blank
        return ~blank & ~np.isin(hashes, self._known, assume_unique=False)

    def add(self, hashes: np.ndarray, blank: np.ndarray) -> None:
        fresh = np.unique(hashes[~blank])
        if self._known.size + fresh.size > self._cap:
            self._known = fresh
        else:
            self._known = np.union1d(self._known, fresh)


@dataclass(frozen=True)
class ReadPlan:
    """What to OCR in a window: nothing, all of it, or horizontal bands (top, bottom)."""

    mode: str  # none | full | regions
    bands: tuple[tuple[int, int], ...] = ()
    new_rows: int = 0

    @property
    def rows(self) -> int:
        return sum(bottom - top for top, bottom in self.bands)


def plan_read(
    new_cells: np.ndarray,
    *,
    min_rows: int = 4,
    pad: int = 10,
    full_fraction: float = 0.55,
) -> ReadPlan:
    """Bands around rows with new content. A group of fewer than `min_rows` new rows is noise
    (a blinking caret, a spinner); when bands would cover most of the window, read it all."""
    height = new_cells.shape[0]
    rows = np.flatnonzero(new_cells.any(axis=1))
    if rows.size < min_rows:
        return ReadPlan("none", new_rows=int(rows.size))
    groups: list[list[int]] = []
    start = prev = int(rows[0])
    count = 1
    for row in rows[1:].tolist():
        if row - prev > 2 * pad:
            groups.append([start, prev, count])
            start, count = row, 0
        prev = row
        count += 1
    groups.append([start, prev, count])
    bands: list[tuple[int, int]] = []
    for top, bottom, count in groups:
        if count < min_rows:
            continue
        top, bottom = max(0, top - pad), min(height, bottom + 1 + pad)
        if bands and top <= bands[-1][1]:
            bands[-1] = (bands[-1][0], bottom)
        else:
            bands.append((top, bottom))
    if not bands:
        return ReadPlan("none", new_rows=int(rows.size))
    covered = sum(bottom - top for top, bottom in bands)
    if covered >= full_fraction * height:
        return ReadPlan("full", ((0, height),), int(rows.size))
    return ReadPlan("regions", tuple(bands), int(rows.size))


def quiet_edges(
    gray: np.ndarray, bands: Sequence[tuple[int, int]], pad: int = 10
) -> list[tuple[int, int]]:
    """A band whose padding reaches into another text line ends at the quiet row between the
    two lines instead (padding that is all background stays), so a band never ends in half a
    line: glyph tops under the last line throw tesseract's line finding off (ping's summary
    read at confidence 0)."""
    height = gray.shape[0]
    snapped = []
    for top, bottom in bands:
        band = gray[top:bottom]
        ground = int(np.bincount(band.ravel(), minlength=256).argmax())  # the background
        ink = (np.abs(band.astype(np.int16) - ground) > 60).sum(axis=1)
        head, tail = ink[:pad], ink[len(ink) - pad :]
        if top > 0 and bottom - top > 2 * pad and head[0] > head.min():
            top += int(np.flatnonzero(head == head.min())[0])  # below the other line's foot
        if bottom < height and bottom - top > 2 * pad and tail[-1] > tail.min():
            bottom -= pad - 1 - int(np.flatnonzero(tail == tail.min())[-1])  # above its head
        snapped.append((top, bottom))
    return snapped


def known_frame(
    known: KnownContent, raw: bytes | bytearray, width: int, masks: Sequence[Rect]
) -> np.ndarray | None:
    """A window's frame in grey when it holds nothing its reads have not seen, else None: a
    window brought back that shows only what was read before has nothing to read (and no
    change to date)."""
    gray = bgra_to_gray(raw, width, len(raw) // (4 * width))
    blank_out(gray, masks)
    hashes, blank = fingerprint(gray)
    return gray if plan_read(known.new_cells(hashes, blank)).mode == "none" else None


LINE_ROWS = (5, 48)  # pixel rows a line of screen text spans (glyphs, not a border or a bar)
SOLID = 0.7  # a run of rows inked across more of the width than this is a bar, not text


def last_line(gray: np.ndarray, pad: int = 4) -> tuple[int, int] | None:
    """The window's lowest line of text (top, bottom), with up to `pad` quiet rows around it:
    in a terminal, where the shell's prompt waits once a command is done. A region read holds
    only what is new, and a prompt seen before is not new; this line says whether it is there.
    None when no run of inked rows looks like a line of text."""
    height, width = gray.shape
    ground = int(np.bincount(gray.ravel(), minlength=256).argmax())  # the background
    ink = np.abs(gray.astype(np.int16) - ground) > 60
    # A column inked down more rows at a stretch than a line of text spans is a border, a
    # scrollbar (its thumb too) or a box drawn around text, not text.
    tall = LINE_ROWS[1] + 1
    runs = np.zeros((height + 1, width), dtype=np.int32)
    np.cumsum(ink, axis=0, out=runs[1:])
    ruled = ((runs[tall:] - runs[:-tall]) == tall).any(axis=0) if height >= tall else None
    counts = (ink if ruled is None else ink[:, ~ruled]).sum(axis=1)
    inked = counts > 0
    end = height
    while end > 0:
        rows = np.flatnonzero(inked[:end])
        if rows.size == 0:
            return None
        bottom = int(rows[-1]) + 1
        quiet = np.flatnonzero(~inked[:bottom])
        top = int(quiet[-1]) + 1 if quiet.size else 0
        text = LINE_ROWS[0] <= bottom - top <= LINE_ROWS[1]
        if text and counts[top:bottom].mean() < SOLID * width:
            above = top
            while above > 0 and top - above < pad and not inked[above - 1]:
                above -= 1
            below = bottom
            while below < height and below - bottom < pad and not inked[below]:
                below += 1
            return above, below
        end = top
    return None


def with_last_line(gray: np.ndarray, bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A terminal's region read also reads its lowest line of text when no band reaches it:
    a prompt seen before is no new content, yet whether the read ends at a prompt is how the
    session knows the shell sat idle (`subjects.at_prompt`) before a pager or a long output
    whose command line was never read (`subjects.split_read`)."""
    line = last_line(gray)
    if line is None or (bands and line[1] <= bands[-1][1]):
        return bands
    if bands and line[0] <= bands[-1][1]:
        return [*bands[:-1], (bands[-1][0], line[1])]
    return [*bands, line]


def compose(gray: np.ndarray, bands: Sequence[tuple[int, int]], gap: int = 16) -> np.ndarray:
    """The bands stacked into one image with white gaps: one OCR call instead of many."""
    if len(bands) == 1 and bands[0] == (0, gray.shape[0]):
        return gray
    width = gray.shape[1]
    height = sum(b - t for t, b in bands) + gap * (len(bands) + 1)
    # Gaps in the bands' own background: white bars between a dark terminal's lines become
    # black bars when it is inverted for OCR, and read as strokes.
    rows = np.concatenate([gray[top:bottom].ravel() for top, bottom in bands] or [gray[:0]])
    ground = int(np.bincount(rows, minlength=256).argmax()) if rows.size else 255
    out = np.full((height, width), ground, dtype=np.uint8)
    y = gap
    for top, bottom in bands:
        out[y : y + bottom - top] = gray[top:bottom]
        y += bottom - top + gap
    return out


def downscale(gray_or_rgb: np.ndarray, max_width: int) -> np.ndarray:
    """Integer-step downscale by block averaging (cheap, no resampling library needed)."""
    width = gray_or_rgb.shape[1]
    step = max(1, -(-width // max_width))
    if step == 1:
        return gray_or_rgb
    height = gray_or_rgb.shape[0] - gray_or_rgb.shape[0] % step
    width = width - width % step
    trimmed = gray_or_rgb[:height, :width].astype(np.uint16)
    shape = (height // step, step, width // step, step, *gray_or_rgb.shape[2:])
    return trimmed.reshape(shape).mean(axis=(1, 3)).astype(np.uint8)
