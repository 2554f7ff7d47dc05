"""Text from pixels: Debian's tesseract, at low priority, on one thread.

pytesseract would write every frame to a temporary PNG file; the image is piped to tesseract on
stdin instead (as a PGM), so no screen pixel ever reaches the disk. pytesseract still finds the
binary (its configured `tesseract_cmd`). The process runs with OMP_THREAD_LIMIT=1 and niceness
19, so it never competes with the person's work.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.capture.ocr_words import MIN_CONFIDENCE, join_underscores, lines_of, parse_words
from app.capture.subjects import PAGE, TERMINAL
from app.capture.tessapi import TessBroken, TessLibrary
from app.errors import MemlociError

log = logging.getLogger(__name__)


class OcrUnavailable(MemlociError):
    """OCR cannot run at all here (tesseract or a language missing): frames wait for it."""

    exit_code = 5


class OcrFailed(OcrUnavailable):
    """This one image could not be read (tesseract failed or took too long)."""


@dataclass(frozen=True)
class OcrResult:
    lines: list[str]
    seconds: float  # CPU seconds the reader used
    words: int


@dataclass(frozen=True)
class Layout:
    """How tesseract reads one kind of window. `psm` 3 finds blocks and columns (an article
    beside its infobox); 6 reads one uniform block, so a terminal's columns stay on their line
    ("Main PID: 1873 (nginx)", "e71b0d4 Add pilot booking"). `scale` enlarges small glyphs;
    `invert_dark` makes light-on-dark text dark-on-light; `binarize` (one Otsu threshold) keeps
    thin underscores at 12-14 pt but breaks glyphs at 9-10 pt, so terminals do not use it.
    Measured on real xterm frames: scripts/bench/ocr_frames.py, ocr_terminal_fonts.py."""

    psm: int = 3
    scale: float = 1.0
    invert_dark: bool = False
    binarize: bool = False
    dotted_zero: bool = False  # monospace fonts dot their zero, which tesseract reads as "@"
    grid: bool = False  # a character grid: underscores read as spaces are put back
    bitmap_fonts: bool = False  # glyphs without anti-aliasing enlarged as blocks, then softened


LAYOUTS = {
    PAGE: Layout(),
    TERMINAL: Layout(
        psm=6, scale=1.5, invert_dark=True, dotted_zero=True, grid=True, bitmap_fonts=True
    ),
}
# "@" after a digit and before a digit, a separator or the end, or after no letter and
# before a digit, is a zero ("@.0.0.0:55432", "19:3@", "2025-@3-11"); an address, a mention
# or a lone sign ("backup@vault", "@alice", "stash@{0}", "a @ b") keeps it.
_DOTTED_ZERO = re.compile(r"(?<=\d)@(?=[\d.:,/)\]-]|\s|$)|(?<![^\W\d_])@(?=\.?\d)")


def undot_zeros(line: str) -> str:
    return _DOTTED_ZERO.sub("0", line)


# A bitmap font's period is a pixel or two, which tesseract reads as a comma: between digits,
# a comma not followed by exactly three digits (a thousands separator: "18,204") is a point
# ("48,2M", "2,14,0", "0,0,0,0:55432").
_BITMAP_POINT = re.compile(r"(?<=\d),(?=\d)(?!\d{3}(?!\d))")


def bitmap_points(line: str) -> str:
    return _BITMAP_POINT.sub(".", line)


class OcrEngine(Protocol):
    def read(self, gray: np.ndarray, kind: str = PAGE) -> OcrResult: ...


def tesseract_binary() -> str | None:
    """The tesseract binary pytesseract is configured with, or the one on PATH."""
    try:
        import pytesseract

        configured = pytesseract.pytesseract.tesseract_cmd
    except Exception:
        configured = "tesseract"
    return shutil.which(configured) or shutil.which("tesseract")


def to_pgm(gray: np.ndarray) -> bytes:
    height, width = gray.shape
    return b"P5\n%d %d\n255\n" % (width, height) + np.ascontiguousarray(gray).tobytes()


def parse_tsv(tsv: str, min_confidence: float = MIN_CONFIDENCE) -> tuple[list[str], int]:
    """Lines of words from tesseract's TSV output, dropping words it was unsure of."""
    words = parse_words(tsv, min_confidence)
    return lines_of(words), len(words)


def prepare(gray: np.ndarray, layout: Layout, scale: float = 1.0) -> np.ndarray:
    """The image as tesseract should see it: inverted when mostly dark (a dark terminal
    theme), enlarged by the layout's or the configured scale (whichever is larger; a bitmap
    font's glyphs as blocks, then softened), and made black and white when the layout says so."""
    gray = upright(gray, layout)
    return enlarge(gray, layout, scale, layout.bitmap_fonts and bitmap_font(gray))


def upright(gray: np.ndarray, layout: Layout) -> np.ndarray:
    """Dark text on a light ground: a dark theme inverted when the layout says so."""
    if layout.invert_dark and gray.size and float(np.median(gray)) < 110:
        return 255 - gray
    return gray


def enlarge(gray: np.ndarray, layout: Layout, scale: float, bitmap: bool) -> np.ndarray:
    """Enlarged by the layout's or the configured scale (whichever is larger), and made black
    and white when the layout says so."""
    scale = max(scale, layout.scale)
    if bitmap:
        # Glyphs without anti-aliasing (xterm's default "fixed" font: one-pixel strokes) lose
        # their shapes when resampled smoothly; tesseract reads them best as blocky pixels
        # enlarged further, then softened (real xterm frames, ocr_terminal_fonts.py --bitmap).
        from PIL import Image, ImageFilter

        image = Image.fromarray(gray)
        scale = max(scale, BITMAP_SCALE)
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.NEAREST)
        gray = np.asarray(image.filter(ImageFilter.GaussianBlur(BITMAP_BLUR)))
    elif scale > 1.0:
        from PIL import Image

        image = Image.fromarray(gray)
        size = (round(image.width * scale), round(image.height * scale))
        gray = np.asarray(image.resize(size, Image.Resampling.BICUBIC))
    return otsu(gray) if layout.binarize else gray


BITMAP_SCALE, BITMAP_BLUR = 3.0, 1.5


def bitmap_font(gray: np.ndarray) -> bool:
    """Whether dark-on-light text was drawn without anti-aliasing: its ink has one tone (an
    anti-aliased font's ink is half edge pixels between ink and ground; a bitmap font's has
    none). Several ink colours read as anti-aliased, and are read as before."""
    if gray.size == 0:
        return False
    ground = int(np.bincount(gray.ravel(), minlength=256).argmax())
    ink = gray[gray < ground - 40]
    if ink.size < 200:
        return False
    darkest = float(np.percentile(ink, 5))
    return int(np.count_nonzero(ink > darkest + 40)) < 0.1 * ink.size


def otsu(gray: np.ndarray) -> np.ndarray:
    """Black and white at the threshold that best separates the image's two tones."""
    if gray.size == 0:
        return gray
    histogram = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    below = np.cumsum(histogram)
    mass = np.cumsum(histogram * np.arange(256))
    above = gray.size - below
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mass[-1] * below / gray.size - mass) ** 2 / (below * above / gray.size)
    between[~np.isfinite(between)] = 0.0
    threshold = int(np.argmax(between))
    return np.where(gray > threshold, 255, 0).astype(np.uint8)


class TesseractOcr:
    """Tesseract's library loaded once in this process, or one tesseract process per read;
    images go through memory or a pipe, never a file."""

    def __init__(
        self,
        languages: str = "eng",
        scale: float = 1.0,
        timeout: float = 120.0,
        layouts: dict[str, Layout] | None = None,
        in_process: bool = True,
    ) -> None:
        self.languages = languages
        self.scale = scale  # `capture.ocr_scale`: at least this for every kind of window
        self.timeout = timeout
        self.layouts = layouts or LAYOUTS
        self.in_process = in_process  # tesseract's library when it can be used (`tessapi`)
        self._library: TessLibrary | None = None
        self._tried = False  # whether the library was tried (once per engine)

    def read(self, gray: np.ndarray, kind: str = PAGE) -> OcrResult:
        binary = tesseract_binary()
        if binary is None:
            raise OcrUnavailable(
                "tesseract is not installed, so screen text cannot be read; install it with "
                "`sudo apt-get install tesseract-ocr tesseract-ocr-eng`."
            )
        layout = self.layouts.get(kind) or self.layouts[PAGE]
        gray = upright(gray, layout)
        bitmap = layout.bitmap_fonts and bitmap_font(gray)
        gray = enlarge(gray, layout, self.scale, bitmap)
        out, cpu = self._tsv(binary, gray, layout)
        found = parse_words(out)
        if layout.grid:
            join_underscores(found, gray)
        lines, words = lines_of(found), len(found)
        if layout.dotted_zero:
            lines = [undot_zeros(line) for line in lines]
        if bitmap:
            lines = [bitmap_points(line) for line in lines]
        return OcrResult(lines, cpu, words)

    def _tsv(self, binary: str, gray: np.ndarray, layout: Layout) -> tuple[str, float]:
        """Tesseract's TSV and the CPU seconds it took: from the library loaded in this
        process when it can be (`tessapi`: no process and model load per read), else from
        the command."""
        if not self._tried:
            self._tried = True
            self._library = TessLibrary.shared(self.languages) if self.in_process else None
        if self._library is not None:
            try:
                return self._library.tsv(gray, layout.psm, timeout=self.timeout)
            except TessBroken as error:
                log.warning("tesseract runs as a command from now: %s", error)
                self._library = None
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        command = [binary, "stdin", "stdout", "-l", self.languages, "--psm", str(layout.psm)]
        command.append("tsv")
        before = os.times()
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            os.setpriority(os.PRIO_PROCESS, process.pid, 19)
        except (OSError, AttributeError):
            pass
        try:
            out, err = process.communicate(to_pgm(gray), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise OcrFailed(f"tesseract took longer than {self.timeout:.0f} s.") from None
        after = os.times()
        if process.returncode != 0:
            message = err.decode("utf-8", "replace").strip().splitlines()
            if "Failed loading language" in err.decode("utf-8", "replace"):
                raise OcrUnavailable(
                    f"tesseract has no {self.languages!r} language data; install "
                    "tesseract-ocr-LANG or change capture.ocr_languages."
                )
            raise OcrFailed(f"tesseract failed ({message[-1] if message else process.returncode}).")
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        log.debug("ocr: tesseract command, %.2f s", time.monotonic() - started)
        return out.decode("utf-8", "replace"), cpu
