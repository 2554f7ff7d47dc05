"""Settings → Models with the real core: the catalogue with this machine's estimates, a download
from a hub on loopback with progress, stop and resume, using a model for a role, a model server
found on this computer, the first-run offer of found servers, and screenshots (light, dark)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.llm import catalog
from app.llm.catalog import Speed
from tests.hubserver import OLLAMA_TAGS, FakeHub, Servers, listing_handler, small_gguf

ENTRY = catalog.find("phi4-mini")  # follows `main`: checked against the hub's hash
assert ENTRY is not None


@pytest.fixture(autouse=True)
def measured(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's speed as if measured (the real measurement has its own test)."""
    monkeypatch.setattr(
        "app.llm.speed.this_machine",
        lambda cache, again=False, measure=True: Speed(300.0, 80.0, 98_362_432, 2),
    )


@pytest.fixture
def page(qtbot: Any, bridge: Any) -> Iterator[Any]:
    from app.ui.panes.models import ModelsPage

    widget = ModelsPage(bridge)
    qtbot.addWidget(widget)
    widget.resize(1000, 1300)
    widget.show()
    yield widget
    from app.ui import theme

    theme.apply(QApplication.instance(), "light")


def action(page: Any, name: str) -> Any:
    """The button in the catalogue row of `name` (Download, Resume or Use)."""
    for row in range(page.table.rowCount()):
        widget = page.table.cellWidget(row, 5)
        if widget is not None and widget.objectName() == f"action-{name}":
            return widget
    return None


def test_the_catalogue_shows_estimates_fit_and_a_recommendation(qtbot: Any, page: Any) -> None:
    qtbot.waitUntil(lambda: page.table.rowCount() == len(catalog.CATALOG), timeout=10_000)
    assert "This computer:" in page.machine.text() and "writes 80 tokens/s" in page.machine.text()
    texts = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert sum(t.startswith("★ ") for t in texts) == 1
    assert page.recommendation.isVisible() and "Recommended" in page.recommendation.text()
    speeds = [page.table.item(r, 3).text() for r in range(page.table.rowCount())]
    assert all("tok/s" in s for s in speeds)
    assert all(" · " in page.table.item(r, 2).text() for r in range(page.table.rowCount()))
    assert action(page, "qwen2.5-7b").text() == "Download"


def test_download_stop_resume_then_use_for_the_agents(
    qtbot: Any, page: Any, hub: FakeHub, memloci: Any
) -> None:
    data = small_gguf()
    hub.add(ENTRY.repo, ENTRY.filename, data)
    hub.faults.delay_per_chunk = 0.05
    qtbot.waitUntil(lambda: action(page, ENTRY.name) is not None, timeout=10_000)
    qtbot.mouseClick(action(page, ENTRY.name), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.progress.value() > 150, timeout=10_000)
    assert page.progress_row.isVisible() and "Downloading" in page.progress_text.text()
    assert not action(page, "qwen2.5-7b").isEnabled()  # one download at a time
    with qtbot.waitSignal(page.message, timeout=10_000) as said:
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    assert "Download stopped" in said.args[0] and "kept" in said.args[0]
    qtbot.waitUntil(lambda: action(page, ENTRY.name).text() == "Resume", timeout=10_000)
    hub.faults.delay_per_chunk = 0.0
    qtbot.mouseClick(action(page, ENTRY.name), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: action(page, ENTRY.name).text() == "Use", timeout=15_000)
    assert "is downloaded" in page.progress_text.text() and "hub publishes" in (
        page.progress_text.text()
    )
    assert hub.gets("localhost")[-1].range is not None  # resumed, not started over
    use = action(page, ENTRY.name).menu().actions()
    agents = next(a for a in use if a.text() == "For the memory agents")
    agents.trigger()
    qtbot.waitUntil(lambda: memloci.settings.agents_model.backend == "gguf", timeout=10_000)
    assert memloci.settings.agents_model.path.endswith(ENTRY.filename)
    assert memloci.settings.model.backend == "bundled"
    qtbot.waitUntil(lambda: ENTRY.filename in page.agents_info.text(), timeout=10_000)
    assert "low priority" in page.agents_info.text()
    row = [e.name for e in catalog.CATALOG].index(ENTRY.name)
    qtbot.waitUntil(
        lambda: page.table.item(row, 0).text().endswith("in use for the agents"), timeout=10_000
    )


def test_a_server_found_here_is_listed_and_chosen_for_chat(
    qtbot: Any, bridge: Any, memloci: Any, servers: Servers
) -> None:
    seen: list[str] = []
    port = servers.start(listing_handler({"/api/tags": OLLAMA_TAGS}, seen))
    memloci.save_settings(memloci.settings.with_value("model.server_ports", [port]))
    from app.ui.panes.models import ModelsPage

    page = ModelsPage(bridge)
    qtbot.addWidget(page)
    page.show()
    tree = page.servers.tree
    qtbot.waitUntil(
        lambda: any(
            tree.topLevelItem(n).text(1).endswith(f":{port}/v1")
            for n in range(tree.topLevelItemCount())
        ),
        timeout=10_000,
    )
    top = next(
        tree.topLevelItem(n)
        for n in range(tree.topLevelItemCount())
        if tree.topLevelItem(n).text(1).endswith(f":{port}/v1")
    )
    assert top.text(0) == "Ollama" and top.child(0).text(0) == "qwen2.5:7b"
    tree.setCurrentItem(top.child(0))
    assert page.servers.use.isEnabled()
    chat = next(a for a in page.servers.use.menu().actions() if a.text() == "For chat answers")
    chat.trigger()
    qtbot.waitUntil(lambda: memloci.settings.model.backend == "endpoint", timeout=10_000)
    assert memloci.settings.model.endpoint == f"http://127.0.0.1:{port}/v1"
    assert memloci.settings.model.endpoint_model == "qwen2.5:7b"
    assert all(line.startswith("GET ") for line in seen)  # nothing was sent to it


def test_first_run_offers_a_server_already_running(
    qtbot: Any,
    home: Path,
    servers: Servers,
    monkeypatch: pytest.MonkeyPatch,
    when_modal: Any,
) -> None:
    from app.ui.controller import AppController

    seen: list[str] = []
    port = servers.start(listing_handler({"/api/tags": OLLAMA_TAGS}, seen))
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")  # where this Ollama listens
    monkeypatch.delenv("MEMLOCI_PASSPHRASE")
    controller = AppController(
        QApplication.instance(), str(home), quit_app=False, autofill=False, capture=False,
        jobs=False, warm=False,
    )  # fmt: skip
    qtbot.addWidget(controller.window)

    def fill(dialog: Any) -> None:
        dialog.passphrase.setText("a new passphrase")
        dialog.confirm.setText("a new passphrase")
        dialog.capture.setChecked(False)
        dialog.ok.click()

    when_modal(fill)
    controller.start()
    qtbot.waitUntil(
        lambda: getattr(controller.window, "offer_dialog", None) is not None, timeout=20_000
    )
    dialog = controller.window.offer_dialog
    assert dialog.models.count() == 1 and "qwen2.5:7b" in dialog.models.item(0).text()
    dialog.agents_too.setChecked(True)
    dialog.use.click()
    qtbot.waitUntil(
        lambda: controller.memloci.settings.agents_model.backend == "endpoint", timeout=10_000
    )
    settings = controller.memloci.settings
    assert settings.model.endpoint == f"http://127.0.0.1:{port}/v1"
    assert settings.model.endpoint_model == "qwen2.5:7b"
    assert all(line.startswith("GET ") for line in seen)
    controller.quit()
    qtbot.waitUntil(lambda: controller._finished, timeout=20_000)


def test_screenshots_light_and_dark(qtbot: Any, bridge: Any, tmp_path: Path) -> None:
    """Saved for a person to look at (MEMLOCI_SCREENSHOTS names a folder to keep them)."""
    from app.ui import theme
    from app.ui.panes.settings import SettingsPane

    folder = Path(os.environ.get("MEMLOCI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shots = []
    for mode in ("light", "dark"):
        theme.apply(QApplication.instance(), mode)
        pane = SettingsPane(bridge)
        qtbot.addWidget(pane)
        pane.resize(1100, 1180)
        pane.tabs.setCurrentWidget(pane.models)
        pane.show()
        models = pane.models
        qtbot.waitUntil(lambda m=models: m.table.rowCount() > 0, timeout=10_000)
        qtbot.waitUntil(
            lambda m=models: (
                "Look again" in m.servers.look_again.text() and m.servers.look_again.isEnabled()
            ),
            timeout=10_000,
        )
        path = folder / f"settings-models-{mode}.png"
        assert pane.grab().save(str(path))
        shots.append(path.read_bytes())
        pane.close()
    theme.apply(QApplication.instance(), "light")
    assert len(shots) == 2 and shots[0] != shots[1]


def test_quitting_stops_a_download_and_keeps_its_part(
    qtbot: Any, page: Any, hub: FakeHub, memloci: Any, bridge: Any
) -> None:
    import time

    hub.add(ENTRY.repo, ENTRY.filename, small_gguf())
    hub.faults.delay_per_chunk = 0.2  # ~8 s for the whole file
    qtbot.waitUntil(lambda: action(page, ENTRY.name) is not None, timeout=10_000)
    qtbot.mouseClick(action(page, ENTRY.name), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.progress.value() > 50, timeout=10_000)
    started = time.perf_counter()
    bridge.shutdown()  # what the quit sequence does
    assert time.perf_counter() - started < 5
    part = memloci.models.folder() / f"{ENTRY.filename}.partial"
    assert part.exists() and part.stat().st_size > 0
    assert not (memloci.models.folder() / ENTRY.filename).exists()
