"""How fast llama.cpp runs on this machine, measured with the bundled model and remembered.

The bundled SmolLM2-135M reads a 200-token prompt and writes 64 tokens (a few seconds); the
figures are kept in the cache folder, keyed by the CPU, the cores in use, llama-cpp-python's
version and the model file, so they are measured again only when one of those changes. The
catalogue scales them to its models (`app.llm.catalog.estimate`).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from app.errors import DiskFull, ModelUnavailable
from app.llm import bundled
from app.llm.catalog import Speed
from app.llm.cpu import new_llama
from app.llm.local import default_threads
from app.llm.machine import cpu
from app.security.keys import write_atomic

log = logging.getLogger(__name__)

CACHE_NAME = "model-speed.json"
MAX_AGE_S = 30 * 86_400
PROMPT = (
    " ".join(["Caroline said she went to the support group and felt inspired by the stories."] * 14)
    + "\nNow count from one to one hundred in words: one, two, three,"
)


def _key(model: Path, threads: int) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        llama = version("llama-cpp-python")
    except PackageNotFoundError:
        llama = "?"
    return f"{cpu()[0]}|{threads}|{llama}|{model.name}|{model.stat().st_size}"


def cached(cache: Path, model: Path, threads: int) -> Speed | None:
    try:
        data = json.loads((cache / CACHE_NAME).read_text(encoding="utf-8"))
        if data["key"] != _key(model, threads) or time.time() - data["at"] > MAX_AGE_S:
            return None
        return Speed(
            float(data["prompt_tps"]),
            float(data["generate_tps"]),
            int(data["weight_bytes"]),
            int(data["threads"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def time_model(model: Path, threads: int) -> Speed:
    """Load `model` (a GGUF file) and time one prompt and 64 written tokens. Raises
    `ModelUnavailable` when llama.cpp cannot run it."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as LlamaCppModel does

    try:
        llama = new_llama(
            model_path=str(model),
            n_ctx=512,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
    except (ImportError, ValueError, RuntimeError, OSError):
        raise ModelUnavailable(
            "llama.cpp could not load the bundled model to measure this computer."
        ) from None
    try:
        prompt_tokens = len(llama.tokenize(PROMPT.encode("utf-8")))
        started = time.perf_counter()
        stamps: list[float] = []
        for _chunk in llama.create_completion(
            PROMPT, max_tokens=64, temperature=0.0, stream=True, stop=[]
        ):
            stamps.append(time.perf_counter())
    finally:
        llama.close()
    if len(stamps) < 8:
        raise ModelUnavailable("The bundled model stopped too early to measure this computer.")
    return Speed(
        prompt_tps=round(prompt_tokens / (stamps[0] - started), 2),
        generate_tps=round((len(stamps) - 1) / (stamps[-1] - stamps[0]), 2),
        weight_bytes=model.stat().st_size,
        threads=threads,
    )


def this_machine(cache: Path, *, again: bool = False, measure: bool = True) -> Speed | None:
    """The remembered figures, or a new measurement (None without a bundled model, or when
    nothing is remembered and `measure` is off)."""

    model = bundled.bundled_model_path()
    if model is None:
        return None
    threads = default_threads()
    if not again:
        found = cached(cache, model, threads)
        if found is not None or not measure:
            return found
    try:
        speed = time_model(model, threads)
    except ModelUnavailable as error:
        log.info("speed not measured: %s", error)
        return None
    record = {
        "key": _key(model, threads),
        "at": time.time(),
        "prompt_tps": speed.prompt_tps,
        "generate_tps": speed.generate_tps,
        "weight_bytes": speed.weight_bytes,
        "threads": threads,
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }

    try:
        write_atomic(cache / CACHE_NAME, json.dumps(record).encode("utf-8"))
    except (OSError, DiskFull) as error:  # only costs a new measurement next time
        log.info("speed not remembered: %s", error)
    log.info(
        "this machine: prompt %.0f tok/s, writing %.1f tok/s (bundled model)",
        speed.prompt_tps,
        speed.generate_tps,
    )
    return speed
