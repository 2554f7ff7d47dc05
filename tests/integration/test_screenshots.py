"""Every pane of the real desktop app, opened on Xvfb over the demo store, in light and dark, at
100 % and 200 %, on 1280x800 and 1920x1080 screens (scripts/screenshots.py): each screenshot
shows something (not one flat colour, not a half-drawn window) and the window fits its screen.
The pictures are left in the test's folder for a person to look at."""

from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageStat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb"),
    pytest.mark.timeout(3600),
]

PANES = {"chat", "memories", "timeline", "graph", "insights"}


def blank(path: Path) -> str | None:
    """Why a screenshot shows nothing, or None."""
    with Image.open(path) as image:
        grey = image.convert("L")
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        spread = ImageStat.Stat(grey).stddev[0]
        top, bottom = (
            grey.crop((0, 0, grey.width, grey.height // 2)),
            grey.crop((0, grey.height // 2, grey.width, grey.height)),
        )
    if colours is not None and len(colours) < 8:
        return f"{len(colours)} colours"
    if spread < 4:
        return f"flat (spread {spread:.1f})"
    if min(ImageStat.Stat(top).stddev[0], ImageStat.Stat(bottom).stddev[0]) < 1:
        return "half of it empty"
    return None


def test_every_pane_in_every_look(tmp_path: Path) -> None:
    from screenshots import SCALES, SIZES, THEMES, take

    report = take(tmp_path)

    def look(shot: dict) -> tuple:
        return tuple(shot["screen"]), shot["scale"], shot["theme"]

    combos = {look(shot) for shot in report}
    assert combos == set(itertools.product(SIZES, SCALES, THEMES))
    for combo in combos:
        panes = {shot["pane"] for shot in report if look(shot) == combo}
        assert panes >= PANES and sum(p.startswith("settings-") for p in panes) >= 5, combo
    problems = []
    for shot in report:
        path = tmp_path / shot["file"]
        why = blank(path)
        if why:
            problems.append(f"{shot['file']}: {why}")
        if not shot["fits"]:
            problems.append(
                f"{shot['file']}: window {shot['window']} at {shot['position']} is larger than "
                f"the screen {shot['logical_screen']}"
            )
        with Image.open(path) as image:  # device pixels: the scale factor took effect
            assert image.width >= shot["window"][0] * shot["scale"] * 0.9, shot["file"]
    assert problems == []
