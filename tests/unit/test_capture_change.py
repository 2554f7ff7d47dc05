"""Change detection (fingerprints of strip rows, read plans) and the text digest."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from app.capture.change import (
    KnownContent,
    bgra_to_gray,
    blank_out,
    compose,
    downscale,
    fingerprint,
    last_line,
    plan_read,
    quiet_edges,
    with_last_line,
)
from app.capture.context import Rect
from app.capture.digest import TextDigest, clean_line


def page(lines: int, seed: int = 0, height: int = 400, width: int = 640) -> np.ndarray:
    """White page with `lines` 12-pixel text-like bands, each distinct."""
    gray = np.full((height, width), 255, dtype=np.uint8)
    rng = np.random.default_rng(seed)
    for n in range(lines):
        top = 4 + n * 16
        if top + 12 > height:
            break
        gray[top : top + 12, 20 : width - 20] = rng.integers(0, 200, (12, width - 40))
    return gray


def test_grey_conversion_uses_luminance() -> None:
    bgra = np.zeros((2, 2, 4), dtype=np.uint8)
    bgra[0, 0] = (0, 0, 255, 255)  # red
    bgra[1, 1] = (255, 255, 255, 255)
    gray = bgra_to_gray(bgra.tobytes(), 2, 2)
    assert gray[0, 0] == 76 and gray[1, 1] == 255 and gray[0, 1] == 0


def test_unchanged_page_has_nothing_new() -> None:
    known = KnownContent()
    first = page(10)
    hashes, blank = fingerprint(first)
    assert plan_read(known.new_cells(hashes, blank)).mode != "none"
    known.add(hashes, blank)
    again = fingerprint(first.copy())
    assert plan_read(known.new_cells(*again)).mode == "none"


def test_one_new_line_is_a_narrow_band_around_it() -> None:
    known = KnownContent()
    before = page(10)
    known.add(*fingerprint(before))
    after = before.copy()
    after[4 + 10 * 16 : 4 + 10 * 16 + 12, 20:300] = 7
    plan = plan_read(known.new_cells(*fingerprint(after)))
    assert plan.mode == "regions"
    ((top, bottom),) = plan.bands
    assert top <= 164 and bottom >= 176 and bottom - top < 40


def test_scrolled_content_is_known_wherever_it_moved() -> None:
    known = KnownContent()
    tall = page(40, height=700)
    known.add(*fingerprint(tall[:400]))
    plan = plan_read(known.new_cells(*fingerprint(tall[64:464])))
    assert plan.mode == "regions"
    assert all(top >= 300 for top, _ in plan.bands)  # only the rows that scrolled in


def test_a_sidebar_that_stays_while_content_scrolls_does_not_hide_the_known_text() -> None:
    known = KnownContent()
    content = page(40, seed=3, height=800)
    frame = np.full((400, 640), 255, dtype=np.uint8)
    frame[:, :160] = page(24, seed=9)[:, :160]
    frame[:, 160:] = content[:400, 160:]
    known.add(*fingerprint(frame))
    scrolled = frame.copy()
    scrolled[:, 160:] = content[48:448, 160:]
    plan = plan_read(known.new_cells(*fingerprint(scrolled)))
    assert plan.mode == "regions" and plan.rows < 120


def test_mostly_new_means_one_full_read_and_tiny_changes_are_noise() -> None:
    known = KnownContent()
    known.add(*fingerprint(page(20, seed=1)))
    assert plan_read(known.new_cells(*fingerprint(page(20, seed=2)))).mode == "full"
    caret = page(20, seed=1)
    caret[100:102, 300:302] = 0  # two rows: below the noise floor
    assert plan_read(known.new_cells(*fingerprint(caret))).mode == "none"


def test_masks_compose_and_downscale() -> None:
    gray = page(10)
    blank_out(gray, [Rect(0, 0, 640, 100), Rect(600, 390, 100, 100)])
    assert (gray[:100] == 255).all() and (gray[390:, 600:] == 255).all()
    stacked = compose(gray, [(100, 120), (200, 230)], gap=10)
    assert stacked.shape == (20 + 30 + 30, 640)
    assert (stacked[:10] == 255).all()
    assert compose(gray, [(0, 400)]) is gray
    assert downscale(np.zeros((1080, 1920, 3), dtype=np.uint8), 1280).shape == (540, 960, 3)


def test_a_band_ends_between_lines_not_inside_the_next_one() -> None:
    """Lines 4 px apart with a border down the right edge: the 10-row padding reaches into the
    next line; the band ends at the quiet row between them instead."""
    gray = np.full((100, 200), 255, dtype=np.uint8)
    for top in (10, 26, 42, 58):  # 12-row lines, 4 quiet rows between
        gray[top : top + 12, 10:150:3] = 0  # glyph strokes
    gray[:, 195] = 90  # a window border: as much in every row
    plan = plan_read(np.isin(np.arange(100), np.arange(26, 38))[:, None])
    assert plan.bands == ((16, 48),)  # padded into the lines above and below
    ((top, bottom),) = quiet_edges(gray, plan.bands)
    assert 22 <= top <= 26 and 38 <= bottom <= 42
    assert quiet_edges(gray, [(0, 100)]) == [(0, 100)]  # a whole window stays whole
    assert quiet_edges(gray, [(22, 42)]) == [(22, 42)]  # padding all background: kept


def test_bands_of_a_dark_window_are_stacked_on_its_own_background() -> None:
    """White gaps between a dark terminal's bands turned into black bars when it was inverted
    for OCR, right under a line: read as underscores ("total_size_is_48,221,904")."""
    dark = 255 - page(10)
    dark[dark == 0] = 31  # xterm's dark background
    stacked = compose(dark, [(20, 36), (84, 100)], gap=16)
    assert stacked.shape == (16 * 2 + 16 * 3, 640)
    assert (stacked[:16] == 31).all() and (stacked[32:48] == 31).all()


def test_digest_merges_repeats_growth_and_misreads_but_keeps_distinct_lines() -> None:
    digest = TextDigest()
    digest.add(
        ["The quick brown fox", "Line 1 of the log file entries", "Line 2 of the log file entries"],
        1,
    )
    assert len(digest) == 3  # lines of one read are never merged with each other
    digest.add(["The quick brown fox jumps over"], 2)  # typing made the line grow
    assert digest.text().splitlines()[0] == "The quick brown fox jumps over"
    digest.add(["The quick brown fox"], 3)  # an older, shorter reading adds nothing
    digest.add(["Line 1 of the lag file entries"], 3)  # OCR misread of the same line
    assert len(digest) == 3
    digest.add(["Line 3 of the log file entries"], 4)  # a different number: a new line
    assert len(digest) == 4
    assert digest.since(2) == ["Line 3 of the log file entries"]
    restored = TextDigest.from_json(digest.to_json())
    assert restored.text() == digest.text() and restored.max_seq() == 4


def test_digest_drops_noise_and_reports_overflow() -> None:
    assert clean_line("  ||| -- ") is None and clean_line("ok") is None
    assert clean_line("Hello   world") == "Hello world"
    digest = TextDigest(limit=100)
    overflow = digest.add([f"Sentence number {n} is here" for n in range(10)], 1)
    assert digest.full and overflow and digest.chars <= 100
    assert len(digest) + len(overflow) == 10


def _terminal(lines: list[str], *, dark: bool = False) -> np.ndarray:
    """An xterm-like window (DejaVu Sans Mono, 17-px lines) with its lines from the top, a
    1-px border down its right edge and a dark bar under it (a panel the grab reached)."""
    ground, ink = (31, 230) if dark else (255, 20)
    image = Image.new("L", (900, 420), ground)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 14)
    for number, line in enumerate(lines):
        draw.text((4, 4 + number * 17), line, fill=ink, font=font)
    gray = np.array(image)
    gray[:, 896] = 128 if dark else 90
    gray[250:400, 880:890] = 128 if dark else 90  # a scrollbar's thumb, at the end
    gray[400:] = 128 if dark else 40
    return gray


@pytest.mark.parametrize("dark", [False, True])
def test_a_terminals_lowest_line_is_found_under_borders_and_bars(dark: bool) -> None:
    """A region read holds only new rows; a prompt seen before is not new. The lowest line of
    text (where the prompt waits) is found in the pixels, past a border down the window's side
    a scrollbar's thumb beside the last lines and a solid bar along its bottom, so the read
    can end on it."""
    lines = [f"file-{n:02d}.csv.gz" for n in range(14)]
    lines += ["total size is 48,221,904  speedup is 32.48", "ops@bastion-2:~/infra$ \u2588"]
    gray = _terminal(lines, dark=dark)
    top, bottom = last_line(gray)
    assert 255 <= top <= 259 and 272 <= bottom <= 280  # the prompt's line
    # added to a read that ends above it; a read reaching it is left as it is
    assert with_last_line(gray, [(0, 19)]) == [(0, 19), (top, bottom)]
    assert with_last_line(gray, [(0, bottom)]) == [(0, bottom)]
    assert with_last_line(gray, [(0, top + 2)]) == [(0, bottom)]
    # glyphs alone: no run of rows is taller than a line
    assert last_line(gray[: 4 + 17 * 3, :850]) is not None
    assert last_line(_terminal([], dark=dark)) is None  # no text at all
