"""Loading llama.cpp models safely on this CPU.

llama.cpp repacks weights into "extra buffer types" for the CPU it runs on. On Intel CPUs with
AMX (Sapphire Rapids and later Xeons) that means the AMX backend, whose matrix multiply crashes
the process (a segmentation fault in `ggml_backend_amx_mul_mat`, llama.cpp issue #20824, seen
here within minutes of agents and chat sharing the bundled model). Where the CPU has AMX the
models load without extra buffer types: the plain AVX2/AVX-512 kernels, same results, a little
slower on large models. `MEMLOCI_LLAMA_EXTRA_BUFFERS=1` forces them on, `=0` off, anywhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ENV = "MEMLOCI_LLAMA_EXTRA_BUFFERS"
_lock = threading.Lock()  # the patch below is process-wide: one load at a time


@cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (Linux); empty elsewhere or when unreadable."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def extra_buffers_allowed(flags: frozenset[str] | None = None) -> bool:
    choice = os.environ.get(ENV, "").strip()
    if choice in ("0", "1"):
        return choice == "1"
    flags = cpu_flags() if flags is None else flags
    return not any(flag.startswith("amx") for flag in flags)


@contextlib.contextmanager
def safe_model_params() -> Iterator[None]:
    """Around `llama_cpp.Llama(...)`: turn extra buffer types off where they are unsafe."""
    if extra_buffers_allowed():
        yield
        return
    import llama_cpp.llama_cpp as native

    if not hasattr(native.llama_model_params, "use_extra_bufts"):  # an older llama.cpp
        yield
        return
    with _lock:
        original = native.llama_model_default_params

        def without_extra_buffers() -> native.llama_model_params:
            params = original()
            params.use_extra_bufts = False
            return params

        native.llama_model_default_params = without_extra_buffers
        try:
            log.info("this CPU has AMX: llama.cpp loads the model without AMX weight repacking")
            yield
        finally:
            native.llama_model_default_params = original


def new_llama(**kwargs: Any) -> Any:
    """`llama_cpp.Llama(**kwargs)`, loaded the safe way for this CPU (every Memloci load)."""
    from app.privacy import keep_local

    keep_local()  # llama-cpp-python reaches huggingface_hub for downloads: offline
    from llama_cpp import Llama

    with safe_model_params():
        return Llama(**kwargs)
