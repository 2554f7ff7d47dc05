"""Starting the app again shows the running window instead of opening the store twice."""

from __future__ import annotations

from typing import Any


def test_a_second_launch_asks_the_first_to_show_itself(qtbot: Any, tmp_path: Any) -> None:
    from app.ui.single import SingleInstance, ask_running, server_name

    name = server_name(str(tmp_path / "data"))
    assert name != server_name(str(tmp_path / "other"))
    assert not ask_running(name, timeout_ms=200)  # nobody is running yet
    shown: list[bool] = []
    first = SingleInstance(name, lambda: shown.append(True))
    assert ask_running(name)
    qtbot.waitUntil(lambda: shown == [True])
    first.server.close()
    assert not ask_running(name, timeout_ms=200)
