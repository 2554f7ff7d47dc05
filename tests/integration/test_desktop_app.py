"""The whole desktop app under Xvfb with the real core: the bundled model answers in the chat
pane, capture records the window in front, every pane is shown and saved as a PNG (light and
dark at 100 %, and at 200 % scaling), and quitting shuts everything down in order.

Screenshots go to $MEMLOCI_SCREENSHOTS when set (to look at them), else to the test's folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import subprocess_env
from tests.xdesk import TkWindow, XServer, missing_tools

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing_tools()), reason=f"needs {missing_tools()}"),
]

PANES = ("chat", "memories", "timeline", "graph", "insights", "settings")
NOTES = (
    "Field notes: the Atlas launch moves to Friday.\n"
    "Ana confirmed the venue in Porto for the team dinner."
)


def seed(home: Path) -> None:
    """A store with something in every pane (real facade, default key derivation)."""
    from app.core import Memloci

    with Memloci.open(home) as memloci:
        memloci.add("my sister, lives in Porto", type="semantic", fields={"name": "Ana"})
        memloci.add("a city in the north of Portugal", type="semantic", fields={"name": "Porto"})
        memloci.add("our product launch project", type="semantic", fields={"name": "Atlas"})
        memloci.add("a colleague on the Atlas project", type="semantic", fields={"name": "Marta"})
        memloci.add("Lunch with Ana at Taberna to talk about the Atlas launch")
        memloci.add("Marta sent the Atlas release checklist")
        memloci.add("Deploy the site", type="procedural", fields={"steps": "build; test; push"})
        memloci.add(
            None,
            type="vault",
            fields={"caption": "Bank PIN", "secret_value": "4711", "sensitivity": "high"},
        )
        memloci.add("I prefer short answers", type="core", fields={"label": "human"})
        settings = memloci.settings
        for name, value in (
            ("capture.interval_seconds", 1.0),
            ("capture.retain_frames", True),
            ("capture.retain_every_seconds", 5.0),
            ("capture.ocr_min_interval_seconds", 1.0),
            ("agents.enabled", True),
        ):
            settings = settings.with_value(name, value)
        memloci.save_settings(settings)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("MEMLOCI_SCREENSHOTS")
    folder = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def xserver(request: pytest.FixtureRequest) -> Iterator[XServer]:
    """A wide screen: the app on the left, the captured window beside it, not under it. At
    200 % the screen has twice the pixels, as a HiDPI display would."""
    scale = 2 if "scale2" in request.node.name else 1
    server = XServer(2560 * scale, 1000 * scale)
    yield server
    server.stop()


def drive(xserver: XServer, home: Path, out: Path, *args: str, **env: str) -> list[dict[str, Any]]:
    environment = xserver.env(**subprocess_env(home, **env))
    environment["DISPLAY"] = xserver.display
    environment["XDG_CONFIG_HOME"] = str(home / "xdg")
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.desktop_driver", str(home), str(out), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, result.stderr[-3000:]
    assert not [e for e in events if e["event"] == "timeout"], (events, result.stderr[-3000:])
    return events


def check_pngs(folder: Path, minimum: tuple[int, int]) -> None:
    from PIL import Image

    for name in (*PANES, "tray_menu"):
        path = folder / f"{name}.png"
        assert path.exists(), path
        with Image.open(path) as image:
            if name != "tray_menu":
                assert image.width >= minimum[0] and image.height >= minimum[1]
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 50  # a drawn pane, not a blank


def test_the_whole_app_with_the_bundled_model_and_capture(
    xserver: XServer, tmp_path: Path, shots: Path
) -> None:
    home = tmp_path / "home"
    seed(home)
    from app.core import Memloci

    # The bundled model answers from the memories by default (model.answer_mode auto); this
    # test asks the model to write the chat answer, so the app loads and runs it.
    with Memloci.open(home) as memloci:
        memloci.save_settings(memloci.settings.with_value("model.answer_mode", "model"))
    notes = TkWindow(xserver, "fieldnotes", "Field notes - Notes", NOTES, "900x600+1500+100")
    try:
        events = drive(xserver, home, shots / "light", "--chat", "--focus", notes.window_id)
    finally:
        notes.process.terminate()
    by = {e["event"]: e for e in events}
    assert by["ready"]["title"] == "Memloci"
    assert by["ready"]["window_visible_s"] < 5  # generous here; scripts/bench measures it
    chat = by["chat"]
    assert chat["state"] == "done" and chat["answer"].strip()
    # Streamed as checked sentences (or, where none holds up, the memories' answer in one piece).
    assert chat["tokens"] >= 1
    # The bundled model wrote it (checked), or wrote one that did not hold up: it ran either way.
    assert "Written by" in chat["note"] or "did not hold up" in chat["note"], chat
    capture = by["capture"]
    assert capture["status"]["state"] == "capturing" and capture["status"]["running"]
    assert any("notes" in app.lower() for app in capture["sessions"])
    summary = by["summary"]
    assert summary["icon_states"] == ["capturing", "error", "idle", "locked", "paused"]
    assert "closed" in by and by["quit"]["seconds"] < 15
    check_pngs(shots / "light", (1000, 600))
    with Memloci.open(home) as memloci:  # the store closed cleanly and opens again
        assert memloci.integrity() == ["ok"]
        assert memloci.search("Atlas launch")
        assert not memloci.capture.status().stalled


@pytest.mark.parametrize(
    ("variant", "env", "minimum"),
    [("dark", {}, (1000, 600)), ("scale2", {"QT_SCALE_FACTOR": "2"}, (2000, 1200))],
)
def test_panes_in_dark_and_at_double_scale(
    xserver: XServer, tmp_path: Path, shots: Path, variant: str, env: dict[str, str], minimum: Any
) -> None:
    home = tmp_path / "home"
    seed(home)
    if variant == "dark":
        from app.core import Memloci

        with Memloci.open(home) as memloci:
            memloci.save_settings(memloci.settings.with_value("ui.theme", "dark"))
    drive(xserver, home, shots / variant, **env)
    check_pngs(shots / variant, minimum)
    if variant == "dark":
        from PIL import Image

        with Image.open(shots / variant / "memories.png") as image:
            r, g, b = image.convert("RGB").getpixel((5, image.height // 2))
            assert r + g + b < 3 * 90  # a dark window background
