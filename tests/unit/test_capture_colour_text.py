"""Coloured text on a dark terminal is read: luminance put a red error (205,0,0) at 61 of 255 and
ANSI blue (0,0,238) at 27, next to a #1e1f22 background at 31, so tesseract never saw them.

tests/data/ocr/xterm-colours-dark.png is a real xterm (DejaVu Sans Mono 12, -bg #1e1f22 -fg
#d8d8d8, as the scripted days' dark shell) printing one line per ANSI colour, `ls --color` with
blue directories, a white-on-blue bar, a black-on-cyan highlight and reverse video."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.capture.change import bgra_to_gray, reading_gray
from app.capture.context import Rect
from app.capture.ocr import TesseractOcr
from app.capture.subjects import TERMINAL
from tests.unit.capture_fakes import FakeGrabber, FakePlatform, FakeScreen, install_capture

DATA = Path(__file__).resolve().parents[1] / "data" / "ocr"
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")

COLOURED = [
    "reports_2026",  # ls --color: directories in blue (34)
    "ledger-exports",
    "red31 connection refused on port 5432",
    "blue34 harbour-archive volume mounted",
    "magenta35 deploy window Thursday",
]
ALREADY_READ = [
    "green32 passed 148 tests",
    "cyan36 diff hunk lines 40 to 52",
    "white37 plain output line",
    "white on blue status bar text",  # a coloured bar: its text stays apart from it
    "black on cyan highlight text",
    "reverse video selected line",
]


def _bgra(name: str) -> np.ndarray:
    from PIL import Image

    rgb = np.asarray(Image.open(DATA / name).convert("RGB"))
    bgra = np.full((*rgb.shape[:2], 4), 255, dtype=np.uint8)
    bgra[:, :, :3] = rgb[:, :, ::-1]
    return bgra


def _gray(bgra: np.ndarray) -> np.ndarray:
    return bgra_to_gray(bgra.tobytes(), bgra.shape[1], bgra.shape[0])


@needs_tesseract
def test_coloured_lines_of_a_dark_terminal_are_read_and_coloured_bars_keep_their_text() -> None:
    bgra = _bgra("xterm-colours-dark.png")
    text = "\n".join(TesseractOcr().read(reading_gray(bgra, _gray(bgra)), TERMINAL).lines)
    for line in COLOURED + ALREADY_READ:
        assert line.lower() in text.lower()  # ("selected Line" is read either way)


def test_light_windows_and_dark_windows_without_colour_are_read_as_before() -> None:
    bgra = _bgra("xterm-colours-dark.png")
    light = bgra.copy()
    light[:, :, :3] = 255 - light[:, :, :3]  # the same text on a light theme
    gray = _gray(light)
    assert reading_gray(light, gray) is gray
    plain = np.repeat(_gray(bgra)[:, :, None], 4, axis=2)  # a dark theme without colours
    gray = _gray(plain)
    assert reading_gray(plain, gray) is gray


def test_a_coloured_stroke_is_raised_a_coloured_bar_is_not() -> None:
    """Synthetic pixels: a red vertical stroke on black takes its red channel; a blue bar 200
    pixels wide keeps its luminance, also between the letters written on it."""
    bgra = np.zeros((60, 300, 4), dtype=np.uint8)
    bgra[5:20, 10:12, 2] = 205  # a red stroke (BGRA: red is channel 2)
    bgra[30:54, 50:250, 0] = 238  # a blue bar...
    bgra[36:48, 60:62, :3] = 255  # ...with a white letter's stem on it
    bgra[36:48, 70:72, :3] = 255
    gray = _gray(bgra)
    out = reading_gray(bgra, gray)
    assert gray[10, 10] < 70 and out[10, 10] == 205
    assert (out[30:54, 50:60] == gray[30:54, 50:60]).all()  # the bar, edge included
    assert (out[36:48, 63:70] == gray[36:48, 63:70]).all()  # between the letters
    assert out[40, 60] == 255


class ColourScreen(FakeScreen):
    """The fake desktop showing a real frame in its front window."""

    def __init__(self, bgra: np.ndarray) -> None:
        super().__init__()
        self.bgra = bgra

    def render(self, rect: Rect) -> bytes:
        canvas = np.zeros((rect.height, rect.width, 4), dtype=np.uint8)
        canvas[:, :, :3] = (0x22, 0x1F, 0x1E)  # the frame's background, BGR
        canvas[:, :, 3] = 255
        if self.front is not None:
            height, width = (
                min(rect.height, self.bgra.shape[0]),
                min(rect.width, self.bgra.shape[1]),
            )
            canvas[:height, :width] = self.bgra[:height, :width]
        return canvas.tobytes()


@needs_tesseract
def test_capture_stores_a_dark_terminals_red_error_and_blue_directories(memloci) -> None:
    screen = ColourScreen(_bgra("xterm-colours-dark.png"))
    service = install_capture(
        memloci,
        platform=lambda: FakePlatform(screen),
        grabber=lambda: FakeGrabber(screen),
        ocr=TesseractOcr,
    )
    screen.open("XTerm", "ops@bastion-2: ~/backups", [])
    service.tick()
    while service.drain_ocr():
        pass
    session = memloci.capture.sessions()[0]
    text = memloci.get(session["memory_id"]).text
    assert "connection refused on port 5432" in text
    assert "harbour-archive" in text and "reports_2026" in text


@needs_tesseract
def test_words_are_found_on_a_kept_dark_frame_in_colour() -> None:
    from PIL import Image

    from app.capture.frame_text import find_words

    rgb = np.asarray(Image.open(DATA / "xterm-colours-dark.png").convert("RGB"))
    image = io.BytesIO()
    Image.fromarray(rgb).save(image, "WEBP", quality=80)
    boxes = find_words(image.getvalue(), "refused")
    assert boxes, "the red line's word was not found on the kept frame"
