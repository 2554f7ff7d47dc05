"""A terminal is read as a character grid (one screen line, one text line, columns kept
together; dark themes inverted, small glyphs enlarged); pages and documents as laid-out pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.capture.ocr import LAYOUTS, Layout, TesseractOcr, prepare, undot_zeros
from app.capture.subjects import PAGE, TERMINAL
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")

# What `systemctl status` and `git log --oneline` show: labels and values, hashes and messages
# in columns that tesseract's page layout reads apart.
TERMINAL_TEXT = [
    "ops@bastion-2:~/infra$ systemctl status nginx",
    "* nginx.service - A high performance web server and a reverse proxy server",
    "     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; preset: enabled)",
    "     Active: active (running) since Tue 2026-03-10 08:14:02 UTC; 3 days ago",
    "   Main PID: 1873 (nginx)",
    "      Tasks: 5 (limit: 38252)",
    "     Memory: 11.8M",
    "ops@bastion-2:~/infra$ git log --oneline -3",
    "e71b0d4 Add pilot booking endpoint",
    "c0ffee1 Fix tide table rounding",
    "5d1e8a2 Rename test_fx_rates cache expiry",
    "ops@bastion-2:~/infra$ docker ps --format '{{.Names}} {{.Ports}}'",
    "ledger-db 0.0.0.0:55432->5432/tcp",
    "ops@bastion-2:~/infra$",
]


def _render(lines: list[str], dark: bool) -> np.ndarray:
    """A 12 px xterm-like window (DejaVu Sans Mono, as xterm -fa draws it)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(MONO), 15)
    background, ink = (31, 216) if dark else (255, 0)
    image = Image.new("L", (1100, 20 * len(lines) + 20), background)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((8, 10 + 20 * number), line, font=font, fill=ink)
    return np.asarray(image)


def test_terminal_windows_are_read_as_a_character_grid_and_pages_as_pages(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    term = screen.open("XTerm", "ops@bastion-2: ~/infra", ["ops@bastion-2:~/infra$ uptime"])
    page = screen.open("Chromium", "Lake Orrin - Wikipedia - Chromium", ["Lake Orrin"])
    service = fake_capture(memloci, screen, clock)
    screen.front = term
    service.tick()
    service.drain_ocr()
    assert service.fake_ocr.kinds == [TERMINAL]
    clock.advance(3)
    screen.front = page
    service.tick()
    service.drain_ocr()
    assert service.fake_ocr.kinds == [TERMINAL, PAGE]


def test_a_dark_terminal_is_inverted_and_enlarged_a_page_is_left_as_it_is() -> None:
    dark = np.full((10, 20), 30, dtype=np.uint8)
    dark[4:6, 2:18] = 216  # light text
    ready = prepare(dark, LAYOUTS[TERMINAL])
    assert ready.shape == (15, 30)  # small glyphs enlarged
    assert ready[0, 0] > 200 and ready[7, 15] < 60  # dark ink on a light ground
    light = 255 - dark
    assert prepare(light, LAYOUTS[TERMINAL])[0, 0] > 200  # light already: not inverted
    assert prepare(dark, LAYOUTS[PAGE]) is dark
    assert prepare(dark, Layout(), scale=2.0).shape == (20, 40)  # capture.ocr_scale still holds
    dark[4, 2] = 190  # an anti-aliased edge
    binary = prepare(dark, Layout(invert_dark=True, binarize=True))
    assert set(np.unique(binary)) == {0, 255} and binary[4, 2] == 0 and binary[0, 0] == 255


def test_a_dotted_zero_read_as_an_at_sign_is_a_zero_an_address_keeps_it() -> None:
    assert undot_zeros("ledger-db @.0.0.0:55432->5432/tcp") == "ledger-db 0.0.0.0:55432->5432/tcp"
    assert (
        undot_zeros("the fuel dock closes at 19:3@ sharp") == "the fuel dock closes at 19:30 sharp"
    )
    assert undot_zeros("2025-@3-11T09:51:02Z INFO") == "2025-03-11T09:51:02Z INFO"
    for kept in ("backup@vault-07.internal", "dev@laptop:~$ ls", "@alice", "stash@{0}", "a @ b"):
        assert undot_zeros(kept) == kept


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr")
@pytest.mark.skipif(not MONO.exists(), reason="needs fonts-dejavu-core")
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_terminal_columns_stay_on_their_line(dark: bool) -> None:
    result = TesseractOcr().read(_render(TERMINAL_TEXT, dark), TERMINAL)
    text = "\n".join(result.lines)
    for line in (
        "Main PID: 1873 (nginx)",
        "Memory: 11.8M",
        "e71b0d4 Add pilot booking endpoint",
        "Rename test_fx_rates cache expiry",  # underscores kept
        "ledger-db 0.0.0.0:55432->5432",  # two columns; zeros, not "@"
    ):
        assert line in text, f"{line!r} not on one line in:\n{text}"


# -- bitmap fonts --------------------------------------------------------------------------------
DATA = Path(__file__).resolve().parents[1] / "data" / "ocr"


def _png(name: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(DATA / name).convert("L"))


def test_a_bitmap_font_is_told_from_anti_aliased_ones() -> None:
    """xterm-fixed-font.png: xterm with its default "fixed" font (6x13, no anti-aliasing);
    the others: xterm -fa 'DejaVu Sans Mono', light and dark."""
    from app.capture.ocr import bitmap_font, upright

    assert bitmap_font(_png("xterm-fixed-font.png"))
    for name in ("xterm-policy.png", "xterm-make-error.png", "xterm-dark-runbook.png"):
        assert not bitmap_font(upright(_png(name), LAYOUTS[TERMINAL]))
    assert not bitmap_font(_render(TERMINAL_TEXT, dark=False))


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")
def test_a_terminal_in_a_bitmap_font_keeps_its_values() -> None:
    """Enlarged smoothly, the 6x13 font's glyphs blur (a 1.5x read lost the port, the version
    and the dates of this frame); its one-pixel period is read as a comma."""
    text = "\n".join(TesseractOcr().read(_png("xterm-fixed-font.png"), TERMINAL).lines)
    assert "postgres:16.2" in text
    assert "0.0.0.0:55432->5432/tcp" in text
    assert "Bump tide-tables to 2.14.0" in text
    assert "a3f9c21 Fix berth allocation for vessels over 40 m" in text


def test_a_bitmap_fonts_point_is_a_point_a_thousands_comma_stays() -> None:
    from app.capture.ocr import bitmap_points

    assert bitmap_points("Memory: 48,2M") == "Memory: 48.2M"
    assert bitmap_points("ledger-db 0,0,0,0:55432->5432/tcp") == "ledger-db 0.0.0.0:55432->5432/tcp"
    assert bitmap_points("Synced 18,204 transactions, 1,234,567 rows") == (
        "Synced 18,204 transactions, 1,234,567 rows"
    )
