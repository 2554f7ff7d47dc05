"""Which words tesseract read are kept, and underscores in terminals put back: on real xterm
frames of the scripted days (tests/data/ocr: crops of `screen_day.py --shots` frames, DejaVu Sans
Mono as xterm draws it; synthetic renders draw underscores too thick to show the misreads)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.capture.change import compose, quiet_edges
from app.capture.ocr import LAYOUTS, TesseractOcr, parse_tsv
from app.capture.subjects import PAGE, TERMINAL

DATA = Path(__file__).resolve().parents[1] / "data" / "ocr"
HEADER = "level\tpage\tblock\tpar\tline\tword\tleft\ttop\twidth\theight\tconf\ttext"

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


def _frame(name: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(DATA / name).convert("L"))


def _read(name: str) -> list[str]:
    return TesseractOcr().read(_frame(name), TERMINAL).lines


def test_numbers_are_kept_at_any_confidence_noise_is_not() -> None:
    rows = [
        HEADER,
        "5\t1\t1\t1\t1\t1\t6\t10\t38\t18\t82.0\trtt",
        "5\t1\t1\t1\t1\t2\t63\t10\t237\t23\t82.0\tmin/avg/max/mdev",
        "5\t1\t1\t1\t1\t3\t320\t10\t270\t23\t0.0\t=21.9/23.4/25.8/1.6",
        "5\t1\t1\t1\t1\t4\t600\t10\t30\t18\t96.9\tms",
        "5\t1\t1\t1\t2\t1\t6\t40\t300\t18\t0.0\tSaamscsssssssssssss==",
        "5\t1\t1\t1\t2\t2\t320\t40\t30\t18\t0.0\tflbanka.cnt",
        "5\t1\t1\t1\t2\t3\t360\t40\t10\t18\t5.0\t|",
        "5\t1\t1\t1\t2\t4\t380\t40\t10\t18\t3.0\t7",
        "5\t1\t1\t1\t3\t1\t6\t70\t60\t18\t2.0\t2003ms",
        "5\t1\t1\t1\t3\t2\t80\t70\t60\t18\t4.0\t(10.20.0.1):",
        "5\t1\t1\t1\t4\t1\t6\t100\t20\t18\t93.0\tOn",
        "5\t1\t1\t1\t4\t2\t40\t100\t80\t18\t91.0\tbranch",
        "5\t1\t1\t1\t4\t3\t130\t100\t200\t18\t6.0\tfeature/fx-rates",
        "5\t1\t1\t1\t4\t4\t340\t100\t20\t18\t6.0\t/.",
        "5\t1\t1\t1\t4\t5\t370\t100\t20\t18\t6.0\tll/",
        "5\t1\t1\t1\t5\t1\t6\t130\t60\t18\t92.0\t./exports/",
        "5\t1\t1\t1\t5\t2\t80\t130\t600\t18\t0.0\tbackup@vault-07.internal:/srv/archive/",
    ]
    lines, words = parse_tsv("\n".join(rows))
    assert lines == [
        "rtt min/avg/max/mdev =21.9/23.4/25.8/1.6 ms",
        "2003ms (10.20.0.1):",
        "On branch feature/fx-rates",  # a live run stored "On branch"
        "./exports/ backup@vault-07.internal:/srv/archive/",
    ]
    assert words == 11


@needs_tesseract
def test_a_long_number_tesseract_is_unsure_of_is_not_dropped() -> None:
    """ping's summary in a region read of a real xterm frame: tesseract gives the number
    token confidence 0; it was stored as 'rtt min/avg/max/mdev ms'."""
    lines = _read("xterm-ping-band.png")
    summary = [line for line in lines if line.startswith("rtt")]
    assert summary and "21.9/23.4/25.8/1.6" in summary[0]
    assert "--- gw.harbour.lan ping statistics ---" in lines  # spaces stay spaces


@needs_tesseract
def test_a_region_read_ends_between_two_lines_not_inside_one() -> None:
    """The same ping output as capture read it live: the band around the new lines was padded
    into the prompt line below, and tesseract read the summary's number '=21-9/23.4/...' at
    confidence 0. Bands now end at the quiet row between lines."""
    window = _frame("xterm-ping-window.png")  # rows 560-804 of the xterm window
    bands = [(16, 132), (136, 211)]  # what plan_read chose (10 rows of padding)
    snapped = quiet_edges(window, bands)
    assert snapped[1][1] < 211
    lines = TesseractOcr().read(compose(window, snapped), TERMINAL).lines
    assert "rtt min/avg/max/mdev = 21.9/23.4/25.8/1.6 ms" in lines


@needs_tesseract
@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("xterm-dark-runbook.png", "sudo -u postgres pg_ctl promote -D"),
        ("xterm-make-error.png", "ERROR: test_fx_rates_cache_expiry (tests.test_fx."),
    ],
)
def test_underscores_read_as_spaces_in_a_terminal_are_put_back(name: str, wanted: str) -> None:
    text = "\n".join(_read(name))
    assert wanted in text


@needs_tesseract
def test_a_space_beside_a_descender_stays_a_space() -> None:
    text = "\n".join(_read("xterm-policy.png"))
    assert "Berths 1 to 3 dry out at low water" in text
    assert "_" not in text


@needs_tesseract
def test_the_next_line_under_a_gap_is_not_an_underscore() -> None:
    """A region read of `git show --stat`: tesseract's box of "insertions(+)," ran into the
    line below, whose "+" sat under the gap after "87"."""
    text = "\n".join(_read("xterm-git-show-band.png"))
    assert "4 files changed, 87 insertions(+), 12 deletions(-)" in text


def test_only_terminals_are_read_as_a_grid() -> None:
    assert LAYOUTS[TERMINAL].grid and not LAYOUTS[PAGE].grid
