"""Tesseract read inside the capture process (its library, loaded once) instead of one
tesseract process per read: starting the process and loading its model was 0.1-0.2 s of CPU,
a third of a typical read. The library must read exactly what the command reads, run at the
lowest priority, stay quiet on standard error, and give way to the command when it cannot read.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
from typing import Any

import numpy as np
import pytest

from app.capture import ocr as ocr_module
from app.capture.ocr import TesseractOcr
from app.capture.subjects import PAGE, TERMINAL
from app.capture.tessapi import TessBroken, TessLibrary
from tests.unit.test_capture_ocr_layout import MONO, TERMINAL_TEXT, _render

pytestmark = [
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr"),
    pytest.mark.skipif(ctypes.util.find_library("tesseract") is None, reason="needs libtesseract"),
    pytest.mark.skipif(not MONO.exists(), reason="needs fonts-dejavu-core"),
]


_POPEN = subprocess.Popen


def _page() -> np.ndarray:
    """A page with a heading, a paragraph and a two-column table (psm 3 finds the blocks)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(MONO).replace("Mono", ""), 15)
    image = Image.new("L", (900, 260), 255)
    draw = ImageDraw.Draw(image)
    draw.text((20, 15), "Kestrel Tower", font=font, fill=0)
    draw.text((20, 50), "The tower was opened in 1911 and decommissioned in 1987.", font=font)
    for row, (label, value) in enumerate([("Height", "31.4 m"), ("Keeper", "Ada Brennan")]):
        draw.text((20, 110 + 30 * row), label, font=font, fill=0)
        draw.text((420, 110 + 30 * row), value, font=font, fill=0)
    return np.asarray(image)


def _no_process(*args: Any, **kwargs: Any) -> Any:
    if "tesseract" in os.path.basename(str(args[0][0])):
        raise AssertionError("a tesseract process was started")
    return _POPEN(*args, **kwargs)


@pytest.mark.parametrize("kind", [TERMINAL, PAGE])
def test_a_read_runs_in_this_process_and_gives_what_the_command_gives(
    kind: str, monkeypatch, capfd
) -> None:
    image = _render(TERMINAL_TEXT, True) if kind == TERMINAL else _page()
    command = TesseractOcr(in_process=False).read(image, kind)
    monkeypatch.setattr(ocr_module.subprocess, "Popen", _no_process)
    engine = TesseractOcr()
    library = engine.read(image, kind)
    again = engine.read(image, kind)  # the engine stays loaded: same text the second time
    assert library.lines == command.lines == again.lines
    assert library.words == command.words > 10
    assert library.seconds > 0  # its CPU time is counted against the OCR budget
    # tesseract's notes ("Estimating resolution as ...") go nowhere, not to capture's stderr
    assert "Estimating" not in capfd.readouterr().err


def test_engines_share_one_loaded_library() -> None:
    """The benches make an engine per read; each would load the model again (~40 MB)."""
    image = _render(TERMINAL_TEXT, False)
    first, second = TesseractOcr(), TesseractOcr()
    assert first.read(image, TERMINAL).lines == second.read(image, TERMINAL).lines
    assert first._library is not None and first._library is second._library


def test_the_library_reads_at_the_lowest_priority() -> None:
    library = TessLibrary.load("eng")
    assert library is not None
    try:
        thread = library._call(lambda: __import__("threading").get_native_id(), timeout=10)
        assert os.getpriority(os.PRIO_PROCESS, thread) == 19
        assert os.getpriority(os.PRIO_PROCESS, 0) != 19  # only its own thread
    finally:
        library.close()


def test_tesseract_starts_no_openmp_threads_and_leaves_openmp_alone_for_others(
    monkeypatch,
) -> None:
    """Tesseract's LSTM asks OpenMP for a team of threads at every step (5-6 times the CPU of
    one thread, spinning); the process ran with OMP_THREAD_LIMIT=1. In process, only the
    reading thread is limited: llama.cpp, in the same process in the desktop app, uses
    OpenMP too and must keep its threads."""
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    library = TessLibrary.load("eng")
    assert library is not None
    try:
        threads = len(os.listdir("/proc/self/task"))
        library.tsv(_render(TERMINAL_TEXT, False), 6)
        assert len(os.listdir("/proc/self/task")) == threads  # no OpenMP team appeared
        assert "OMP_THREAD_LIMIT" not in os.environ
        get = library._lib.omp_get_max_active_levels
        assert library._call(get, timeout=10) == 0  # the reading thread: no nesting at all
        assert get() > 0  # every other thread: OpenMP as it was
    finally:
        library.close()


def test_the_command_takes_over_when_the_library_cannot_read(monkeypatch) -> None:
    engine = TesseractOcr()
    image = _render(TERMINAL_TEXT, False)
    expected = engine.read(image, TERMINAL).lines

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TessBroken("tesseract took longer than 120 s")

    assert engine._library is not None
    monkeypatch.setattr(engine._library, "tsv", broken)
    started: list[Any] = []
    real = _POPEN

    def counted(*args: Any, **kwargs: Any) -> Any:
        started.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr_module.subprocess, "Popen", counted)
    assert engine.read(image, TERMINAL).lines == expected
    assert engine._library is None  # given up for this process
    assert engine.read(image, TERMINAL).lines == expected
    assert len(started) == 2


def test_a_language_the_library_cannot_load_leaves_the_command() -> None:
    assert TessLibrary.load("xx_not_a_language") is None
