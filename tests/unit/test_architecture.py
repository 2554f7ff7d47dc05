"""The design rules that keep Memloci easy to change, checked on every run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_qt_is_imported_only_in_app_ui() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6)\b", re.M)
    leaks = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if "ui" not in path.relative_to(ROOT / "app").parts[:1]
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert leaks == []


def test_importing_every_module_writes_nothing_and_loads_no_heavy_library(tmp_path) -> None:
    """Rule 9: nothing at import time. Heavy libraries load inside adapters, when used."""
    code = """
import importlib, pkgutil, sys, app
for info in pkgutil.walk_packages(app.__path__, "app."):
    if info.name.startswith("app.ui"):
        continue
    importlib.import_module(info.name)
heavy = {"chromadb", "llama_cpp", "onnxruntime", "pytesseract", "mss", "PySide6", "torch"}
print(sorted(heavy & set(sys.modules)))
"""
    env = {**os.environ, "MEMLOCI_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "[]"
    assert not (tmp_path / "home").exists()
