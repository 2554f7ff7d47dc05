"""Keys and card numbers shown in real windows (Xvfb, Tk) and read by the real tesseract through
Memloci's OCR path are redacted as OCR reads them: "sk_live_51Qm..." comes back as
"sk live 51Qm..." or loses its prefix, and must still not reach a memory, its history, the
full-text index or search results (issue 13, item 5)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator

import pytest

from tests.xdesk import TkWindow, XServer, missing_tools

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(missing_tools()), reason=f"needs Xvfb and xdotool (missing: {missing_tools()})"
    ),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr"),
]

PAGE = (
    "Developers > API keys (live mode)\n"
    "Secret key  sk_live_51QmZr8KpX2vN7tY4wB9cD3eF6gH1jL0\n"
    "Restricted key  rk_live_51QmZr8Zq7Xw3Ev5Rt9Yu1Io\n"
    "GitHub token ghp_16C7e42F292c6912E7710c838347Ae178B4a\n"
    "AWS access key AKIAIOSFODNN7EXAMPLE\n"
    "Slack xoxb-2748392047-1234567890123-AbCdEfGhIjKl\n"
    "Card on file 4111 1111 1111 1111 exp 12/27\n"
    "Backup card 5555-5555-5555-4444\n"
    "Invoice total 1,234.56 EUR, due 2024-05-01"
)
# Pieces OCR reads reliably (the start of each secret): none may survive anywhere.
FRAGMENTS = (
    "51QmZr8Kp",
    "51QmZr8Zq",
    "16C7e42F",
    "IOSFODNN7",
    "2748392047",
    "4111 1111",
    "5555-5555",
)


@pytest.fixture(scope="module")
def xserver() -> Iterator[XServer]:
    server = XServer(1280, 800)
    yield server
    server.stop()


@pytest.fixture
def desk(xserver: XServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[XServer]:
    monkeypatch.setenv("DISPLAY", xserver.display)
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_SESSION_ID"):
        monkeypatch.delenv(name, raising=False)
    yield xserver


def billing_window(desk: XServer, size: int) -> TkWindow:
    window = TkWindow(desk, "firefox", "Billing - Dashboard", PAGE, "1100x520+0+0", size=size)
    time.sleep(0.5)  # let Tk draw
    return window


def read_screen() -> list[str]:
    from app.capture.change import bgra_to_gray
    from app.capture.context import Rect
    from app.capture.grab import MssGrabber
    from app.capture.ocr import TesseractOcr

    grabber = MssGrabber()
    try:
        image = grabber.grab(Rect(0, 0, 1100, 520))
    finally:
        grabber.close()
    gray = bgra_to_gray(image.bgra, image.rect.width, image.rect.height)
    return TesseractOcr().read(gray).lines


@pytest.mark.parametrize("size", [11, 14])
def test_secrets_read_by_tesseract_are_redacted(desk, size: int) -> None:
    from app.security.redact import redact

    window = billing_window(desk, size)
    try:
        lines = read_screen()
    finally:
        window.close()
    read = "\n".join(lines)
    assert "Secret key" in read and "Card on file" in read  # the page was read
    clean = redact(read).text
    for fragment in FRAGMENTS:
        assert fragment not in clean, (fragment, lines)
    assert "Invoice total 1,234.56 EUR, due 2024-05-01" in clean
    assert "[REDACTED:card]" in clean and "[REDACTED:aws-key]" in clean


def test_a_billing_page_leaves_no_key_in_memory_history_or_search(desk, memloci) -> None:
    window = billing_window(desk, 11)  # at this size tesseract reads "sk live 51Qm..."
    try:
        result = memloci.capture.now()
    finally:
        window.close()
    details = memloci.get(result.memory_id).fields["details"]
    assert "Invoice total" in details and "[REDACTED:" in details
    db = memloci._parts.database
    dump = json.dumps(
        [
            db.query(f"SELECT * FROM {table}")
            for table in ("memories", "memory_history", "search_docs", "capture_sessions")
        ],
        default=str,
    )
    hits = [
        memloci.get(hit.id).text
        for query in ("secret key", "live", "card", "51QmZr8KpX2vN7tY4wB9cD3eF6gH1jL0", "4111")
        for hit in memloci.search(query)
    ]
    assert hits  # the page is searchable by its ordinary words
    for fragment in FRAGMENTS:
        assert fragment not in dump, fragment
        assert not any(fragment in text for text in hits), fragment
