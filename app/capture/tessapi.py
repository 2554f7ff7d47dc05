"""Tesseract as a library inside the capture process, loaded once.

Starting a tesseract process and loading its model costs 0.1-0.2 s of CPU, a quarter of the
OCR CPU of a screen day (`scripts/bench/capture_ocr.py` compares); the library keeps the model
loaded and reads the same image with the same settings into the same TSV as the command does
(tests/unit/test_capture_tessapi.py compares them). Reads run on one worker thread of its own,
at the lowest priority and without OpenMP threads, as the process did (niceness 19,
OMP_THREAD_LIMIT=1): OpenMP's nesting limit is set to 0 for that thread only, so another user
of OpenMP in the same process (llama.cpp in the desktop app) keeps all its threads. Without it
tesseract's LSTM starts a team of spinning threads per step: 5-6 times the CPU for one read.

The library is used only where it can be used exactly like that: libtesseract found with its C
API, the limit kept to the worker thread, the languages loaded. Anything else returns None from
`TessLibrary.load` and capture runs the tesseract command as before. A read that takes longer
than its timeout cannot be stopped inside the process: the library is then given up for the
rest of the process (the command takes over).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import ctypes.util
import logging
import os
import threading
import time
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

TSV_HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t"
    "left\ttop\twidth\theight\tconf\ttext\n"
)


class TessBroken(Exception):
    """The library cannot read this image; the caller uses the tesseract command instead."""


def _open_library() -> Any | None:
    """libtesseract with its functions typed, or None."""
    lib: ctypes.CDLL | None
    try:
        lib = ctypes.CDLL("libtesseract.so.5")  # the usual soname: find_library runs ldconfig
    except OSError:
        found = ctypes.util.find_library("tesseract")
        try:
            lib = ctypes.CDLL(found) if found else None
        except OSError:
            lib = None
    if lib is None:
        return None
    try:
        _bind(lib)
    except AttributeError as error:  # an older library without the C API's TSV call
        log.info("tesseract runs as a command: its library is not usable (%s)", error)
        return None
    return lib


def _bind(lib: Any) -> None:
    c_void_p, c_char_p, c_int = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    lib.TessBaseAPICreate.restype = c_void_p
    lib.TessBaseAPICreate.argtypes = []
    lib.TessBaseAPISetVariable.argtypes = [c_void_p, c_char_p, c_char_p]
    lib.TessBaseAPISetVariable.restype = c_int
    lib.TessBaseAPIInit3.argtypes = [c_void_p, c_char_p, c_char_p]
    lib.TessBaseAPIInit3.restype = c_int
    lib.TessBaseAPISetPageSegMode.argtypes = [c_void_p, c_int]
    lib.TessBaseAPISetImage.argtypes = [c_void_p, c_char_p, c_int, c_int, c_int, c_int]
    lib.TessBaseAPIGetTsvText.argtypes = [c_void_p, c_int]
    lib.TessBaseAPIGetTsvText.restype = c_void_p
    lib.TessDeleteText.argtypes = [c_void_p]
    for name in ("TessBaseAPIClear", "TessBaseAPIEnd", "TessBaseAPIDelete"):
        getattr(lib, name).argtypes = [c_void_p]


_SHARED: dict[str, TessLibrary | None] = {}
_SHARED_LOCK = threading.Lock()


class TessLibrary:
    """libtesseract through ctypes: one engine per language set and variables, on one thread."""

    def __init__(self, lib: Any, languages: str) -> None:
        self._lib = lib
        self.languages = languages
        self._handles: dict[tuple[tuple[str, str], ...], int] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="capture-tesseract", initializer=_lowest_priority
        )
        self._closed = False
        self._lock = threading.Lock()
        atexit.register(self.close)

    @classmethod
    def shared(cls, languages: str) -> TessLibrary | None:
        """One library per language set for the whole process (engines are made often by the
        benches; each loaded model is ~40 MB), given up for good once it broke."""
        with _SHARED_LOCK:
            if languages not in _SHARED:
                _SHARED[languages] = cls.load(languages)
            library = _SHARED[languages]
            return library if library is not None and not library._closed else None

    @classmethod
    def load(cls, languages: str) -> TessLibrary | None:
        """The library, ready to read `languages`; None when the command must be used."""
        lib = _open_library()
        if lib is None:
            return None
        library = cls(lib, languages)
        try:
            library._call(lambda: _no_openmp_team(lib), timeout=10)
            library._call(lambda: library._handle(()), timeout=60)
            if _nesting_limit(lib) == 0:  # an OpenMP whose limit is not per thread
                _set_nesting_limit(lib, 1)
                raise TessBroken("OpenMP's thread limit would apply to the whole process")
        except TessBroken as error:
            log.info("tesseract runs as a command: %s", error)
            library.close()
            return None
        return library

    def tsv(
        self,
        gray: np.ndarray,
        psm: int,
        variables: dict[str, str] | None = None,
        timeout: float = 120.0,
    ) -> tuple[str, float]:
        """Tesseract's TSV of a grey image (as `tesseract stdin stdout --psm N tsv` prints it)
        and the CPU seconds the read took. Raises TessBroken when the library cannot read."""
        image = np.ascontiguousarray(gray, dtype=np.uint8)
        if image.ndim != 2 or 0 in image.shape:
            return TSV_HEADER, 0.0
        key = tuple(sorted((variables or {}).items()))
        return self._call(lambda: self._read(image, psm, key), timeout)

    def close(self) -> None:
        """Free the engines (on their thread, after any read in progress)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        handles, self._handles = list(self._handles.values()), {}

        def free() -> None:
            for handle in handles:
                self._lib.TessBaseAPIEnd(handle)
                self._lib.TessBaseAPIDelete(handle)

        try:
            self._pool.submit(free).result(timeout=10)
        except Exception:  # a read that never ends: the process exit frees it
            pass
        self._pool.shutdown(wait=False)

    # -- on the worker thread -------------------------------------------------------------------
    def _call(self, job: Any, timeout: float) -> Any:
        if self._closed:
            raise TessBroken("the tesseract library was given up")
        try:
            return self._pool.submit(job).result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            log.warning(
                "a tesseract read took over %.0f s; reads use the command from now", timeout
            )
            with self._lock:
                self._closed = True  # the stuck read keeps its thread; nothing else goes there
            raise TessBroken(f"tesseract took longer than {timeout:.0f} s") from None
        except RuntimeError as error:  # the pool was shut down meanwhile
            raise TessBroken(str(error)) from None

    def _handle(self, key: tuple[tuple[str, str], ...]) -> int:
        handle = self._handles.get(key)
        if handle is not None:
            return handle
        lib = self._lib
        handle = lib.TessBaseAPICreate()
        if not handle:
            raise TessBroken("tesseract's library could not make an engine")
        # Its notes ("Estimating resolution as 154") would go to the capture's standard error.
        lib.TessBaseAPISetVariable(handle, b"debug_file", os.devnull.encode())
        if lib.TessBaseAPIInit3(handle, None, self.languages.encode()) != 0:
            lib.TessBaseAPIDelete(handle)
            raise TessBroken(f"tesseract's library cannot load {self.languages!r}")
        for name, value in key:
            if not lib.TessBaseAPISetVariable(handle, name.encode(), value.encode()):
                lib.TessBaseAPIEnd(handle)
                lib.TessBaseAPIDelete(handle)
                raise TessBroken(f"tesseract has no setting {name!r}")
        self._handles[key] = handle
        return handle

    def _read(
        self, image: np.ndarray, psm: int, key: tuple[tuple[str, str], ...]
    ) -> tuple[str, float]:
        lib = self._lib
        started = time.thread_time()
        handle = self._handle(key)
        height, width = image.shape
        lib.TessBaseAPISetPageSegMode(handle, psm)
        lib.TessBaseAPISetImage(handle, image.tobytes(), width, height, 1, width)
        pointer = lib.TessBaseAPIGetTsvText(handle, 0)
        try:
            if not pointer:
                raise TessBroken("tesseract's library read nothing")
            text = ctypes.string_at(pointer).decode("utf-8", "replace")
        finally:
            if pointer:
                lib.TessDeleteText(pointer)
            lib.TessBaseAPIClear(handle)
        return TSV_HEADER + text, time.thread_time() - started


def _nesting_limit(lib: Any) -> int | None:
    """OpenMP's max-active-levels as the calling thread sees it (None without OpenMP)."""
    get = getattr(lib, "omp_get_max_active_levels", None)  # found through libtesseract's deps
    return int(get()) if get is not None else None


def _set_nesting_limit(lib: Any, levels: int) -> None:
    setter = getattr(lib, "omp_set_max_active_levels", None)
    if setter is not None:
        setter.argtypes = [ctypes.c_int]
        setter(levels)


def _no_openmp_team(lib: Any) -> None:
    """On the worker thread: its parallel regions run on it alone (no team of threads)."""
    _set_nesting_limit(lib, 0)
    if _nesting_limit(lib) not in (0, None):
        raise TessBroken("OpenMP's thread limit cannot be set for tesseract's thread")


def _lowest_priority() -> None:
    """The worker thread yields to everything else, as the tesseract process did."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (OSError, AttributeError):
        pass
