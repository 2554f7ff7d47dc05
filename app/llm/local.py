"""A GGUF model run in-process by llama.cpp (llama-cpp-python).

One worker thread owns the model: a llama context is not thread-safe, so every call (generate,
tokenize, load) is a job on that thread and callers block on its result. The model loads on the
first call, not at start-up, and uses the chat template stored in the GGUF file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from app.errors import ModelUnavailable
from app.llm.base import Completion, GenerationOptions, Message, ModelInfo, TokenCallback
from app.llm.priority import lower_thread_priority

log = logging.getLogger(__name__)

_GGUF_MAGIC = b"GGUF"


def default_threads() -> int:
    """llama.cpp is fastest with one thread per core; more only contend."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def check_gguf(path: Path) -> None:
    """A clear sentence for a missing, unreadable or non-GGUF file, before llama.cpp sees it."""
    if not path.exists():
        raise ModelUnavailable(
            f"The model file {path} does not exist. Choose another with `memloci model use PATH` "
            "or go back to the bundled model with `memloci model bundled`."
        )
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise ModelUnavailable(f"Cannot read the model file {path}: {error.strerror}.") from None
    if magic != _GGUF_MAGIC:
        raise ModelUnavailable(
            f"{path} is not a GGUF model file. Download a .gguf file (llama.cpp format) or run "
            "`memloci model bundled`."
        )
    from app.llm.gguf_file import problem

    damage = problem(path)
    if damage is not None:
        raise ModelUnavailable(
            f"The model file {path} is damaged: {damage}. Download it again, choose another "
            "with `memloci model use PATH`, or run `memloci model bundled`."
        )


class LlamaCppModel:
    """`ChatModel` over llama-cpp-python, with all model work on one worker thread."""

    def __init__(
        self,
        path: Path,
        *,
        name: str | None = None,
        backend: str = "gguf",
        context_tokens: int = 2048,
        threads: int = 0,
        gpu_layers: int = 0,
        nice: int = 0,
        role: str = "chat",
    ) -> None:
        self.path = Path(path)
        self.name = name or self.path.stem
        self.backend = backend
        self._n_ctx = context_tokens
        self._threads = threads or default_threads()
        self._gpu_layers = gpu_layers
        self._nice = nice
        self.role = role
        # A low-priority model (the agents') lowers its worker thread, from which llama.cpp's
        # compute threads are started and inherit the priority (app.llm.priority).

        def lower() -> None:
            lower_thread_priority(nice)

        self._executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="memloci-llm" if role == "chat" else f"memloci-llm-{role}",
            initializer=lower if nice else None,
        )
        self._llama: Any = None  # touched only on the worker thread
        self._grammars: OrderedDict[str, Any] = OrderedDict()
        self._closed = False
        self._load_seconds = 0.0
        # The cancel event of the call on the worker thread: llama.cpp's abort callback reads it
        # between compute steps, so Stop (or quitting) ends even a long prompt's evaluation.
        self._cancel: threading.Event | None = None
        self._abort_callback: Any = None  # kept alive as long as the context uses it

    # -- life cycle -------------------------------------------------------------------------
    def _ensure_loaded(self) -> Any:
        """Runs on the worker thread."""
        if self._llama is not None:
            return self._llama
        check_gguf(self.path)
        started = time.perf_counter()
        # llama.cpp's OpenMP threads spin while they wait by default: on a machine that is
        # doing other work too (capture, search, the person's own programs) that burns CPU and
        # made generation 3x slower here. Passive waiting costs little when idle. The runtime
        # reads this once, when llama.cpp's library loads, so only if the person has not chosen.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from app.llm.cpu import new_llama

        try:
            self._llama = new_llama(  # no AMX repacking: it crashes llama.cpp
                model_path=str(self.path),
                n_ctx=self._n_ctx,
                n_threads=self._threads,
                n_threads_batch=self._threads,
                n_gpu_layers=self._gpu_layers,
                verbose=False,
            )
        except ImportError:
            raise ModelUnavailable(
                "llama-cpp-python is not installed; run ./scripts/run again to build it, or use "
                "a model server with `memloci model endpoint URL`."
            ) from None
        except (ValueError, RuntimeError, OSError) as error:
            log.warning("loading %s failed: %s", self.path.name, error.__class__.__name__)
            raise ModelUnavailable(
                f"llama.cpp could not load {self.path} (damaged, or a model architecture this "
                "llama.cpp does not know). Choose another GGUF file or run "
                "`memloci model bundled`."
            ) from None
        self._load_seconds = time.perf_counter() - started
        log.info("model %s loaded in %.2f s", self.path.name, self._load_seconds)
        self._watch_cancel(self._llama)
        return self._llama

    def _watch_cancel(self, llama: Any) -> None:
        """Let llama.cpp stop mid-evaluation when the running call is cancelled (without it a
        long prompt, seconds on a busy CPU, ran to its end before Stop or quitting took)."""
        try:
            import llama_cpp

            def aborted(_data: Any) -> bool:
                cancel = self._cancel
                return cancel is not None and cancel.is_set()

            callback = llama_cpp.ggml_abort_callback(aborted)
            llama_cpp.llama_set_abort_callback(llama.ctx, callback, None)
            self._abort_callback = callback
        except Exception as error:  # an older llama.cpp: cancel takes at the next token
            log.info("no abort callback: %s", error.__class__.__name__)

    def _submit(self, fn: Any, *args: Any) -> Any:
        if self._closed:
            raise ModelUnavailable("The language model was closed.")
        return self._executor.submit(fn, *args).result()

    def load(self) -> None:
        """Load now (e.g. in the background at start-up) instead of on the first call."""
        self._submit(self._ensure_loaded)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def release() -> None:
            if self._llama is not None:
                self._llama.close()
                self._llama = None

        self._executor.submit(release)
        self._executor.shutdown(wait=True)

    # -- the protocol -----------------------------------------------------------------------
    @property
    def context_tokens(self) -> int:
        return self._n_ctx

    def info(self) -> ModelInfo:
        size = self.path.stat().st_size if self.path.exists() else 0
        return ModelInfo(
            backend=self.backend,
            name=self.name,
            location=str(self.path),
            context_tokens=self._n_ctx,
            loaded=self._llama is not None,
            details={
                "file_bytes": size,
                "threads": self._threads,
                "gpu_layers": self._gpu_layers,
                "nice": self._nice,
                "role": self.role,
                "load_seconds": round(self._load_seconds, 3),
            },
        )

    def count_tokens(self, text: str) -> int:
        def tokenize() -> int:
            llama = self._ensure_loaded()
            return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

        return int(self._submit(tokenize))

    def complete(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        *,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion:
        return self._submit(self._generate, list(messages), options, on_token, cancel)

    # -- on the worker thread ---------------------------------------------------------------
    def _grammar(self, schema: dict[str, Any]) -> Any:
        """llama.cpp grammar for a JSON schema, cached (agents reuse a few schemas)."""
        key = json.dumps(schema, sort_keys=True)
        grammar = self._grammars.get(key)
        if grammar is None:
            from llama_cpp import LlamaGrammar

            grammar = LlamaGrammar.from_json_schema(key, verbose=False)
            self._grammars[key] = grammar
            if len(self._grammars) > 64:
                self._grammars.popitem(last=False)
        else:
            self._grammars.move_to_end(key)
        return grammar

    def _generate(
        self,
        messages: list[Message],
        options: GenerationOptions,
        on_token: TokenCallback | None,
        cancel: threading.Event | None,
    ) -> Completion:
        llama = self._ensure_loaded()
        started = time.perf_counter()
        if cancel is not None and cancel.is_set():
            return Completion("", 0, 0, 0.0, "cancelled")
        self._cancel = cancel
        try:
            return self._stream(llama, messages, options, on_token, cancel, started)
        except RuntimeError:
            if cancel is None or not cancel.is_set():
                raise
            # llama_decode was aborted: the context's cache no longer matches what llama-cpp
            # remembers, so the next call evaluates its prompt from the start.
            llama.reset()
            with contextlib.suppress(Exception):
                llama._ctx.kv_cache_clear()
            return Completion("", 0, 0, time.perf_counter() - started, "cancelled")
        finally:
            self._cancel = None

    def _stream(
        self,
        llama: Any,
        messages: list[Message],
        options: GenerationOptions,
        on_token: TokenCallback | None,
        cancel: threading.Event | None,
        started: float,
    ) -> Completion:
        kwargs: dict[str, Any] = {
            "messages": messages,
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "top_p": options.top_p,
            "repeat_penalty": options.repeat_penalty,
            "stop": list(options.stop) or None,
            "stream": True,
        }
        if options.seed is not None:
            kwargs["seed"] = options.seed
        if options.json_schema is not None:
            kwargs["grammar"] = self._grammar(options.json_schema)
        pieces: list[str] = []
        finish = "stop"
        count = 0
        try:
            chunks = llama.create_chat_completion(**kwargs)
            for chunk in chunks:
                choice = chunk["choices"][0]
                piece = choice.get("delta", {}).get("content")
                if piece:
                    pieces.append(piece)
                    count += 1
                    if on_token is not None:
                        on_token(piece)
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    chunks.close()
                    break
        except ValueError as error:
            if "exceed context window" in str(error):
                raise ModelUnavailable(
                    f"The prompt is longer than the model's context ({self._n_ctx} tokens); "
                    "raise model.context_tokens or shorten the question."
                ) from None
            raise
        prompt_tokens = max(0, int(llama.n_tokens) - count)
        return Completion(
            "".join(pieces), prompt_tokens, count, time.perf_counter() - started, finish
        )
