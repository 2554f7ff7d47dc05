"""What a person read is stored, with default capture settings, on a real X server (Xvfb),
real windows (Tk) and real tesseract: a page shown for about 20 s after the window's first read,
then left, and a page left a few seconds after it appeared (read from the window's last frame)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from tests.integration.test_capture_x11 import open_window, wait_for
from tests.xdesk import XServer, missing_tools

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(missing_tools()), reason=f"needs Xvfb and xdotool (missing: {missing_tools()})"
    ),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr"),
]

PAGE_ONE = (
    "Berthing policy of the Wexmoor harbour.\n"
    "Visiting yachts report to the harbour office on arrival.\n"
    "The office is open from eight until six."
)
PAGE_TWO = (
    "Fees and limits.\n"
    "The maximum draught at the north quay is 4.2 metres.\n"
    "Overnight berths cost 38 euros per metre."
)
PAGE_THREE = (
    "Quiet hours.\n"
    "Engines and generators stay off between ten at night and seven.\n"
    "Fuel is sold at the pontoon kiosk until noon on Sundays."
)


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> Iterator[XServer]:
    server = XServer(1280, 800)
    monkeypatch.setenv("DISPLAY", server.display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
    server.windows = []  # type: ignore[attr-defined]
    yield server
    for window in server.windows:  # type: ignore[attr-defined]
        window.close()
    server.stop()


def test_pages_shown_for_a_while_or_left_soon_after_they_appeared_are_stored(desk, memloci) -> None:
    notes = open_window(desk, "mousepad", "todo.txt - Mousepad", "Call the marina about the mast.")
    viewer = open_window(
        desk, "evince", "berthing-policy.pdf - Document Viewer", PAGE_ONE, "900x600+200+100"
    )
    service = memloci._parts.capture
    memloci.capture.start()  # default settings: a look every 3 s
    try:
        assert wait_for(lambda: service.reader.runs >= 1, 60)  # the viewer's first read
        viewer.send("replace", PAGE_TWO)
        time.sleep(20)  # read, then the person moves on
        notes.focus()
        time.sleep(4)
        viewer.focus()
        time.sleep(4)
        viewer.send("replace", PAGE_THREE)
        time.sleep(4)  # seen by a look or two, perhaps not settled: left at once
        notes.focus()
        time.sleep(4)
    finally:
        memloci.capture.stop(drain_seconds=60)
    text = "\n".join(m.text for m in memloci.list("episodic", limit=50))
    assert "4.2 metres" in text and "38 euros per metre" in text
    assert "pontoon kiosk" in text
    assert wait_for(lambda: bool(memloci.search("maximum draught north quay")), 10)
