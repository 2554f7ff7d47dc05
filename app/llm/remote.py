"""Any OpenAI-compatible chat endpoint: llama.cpp's server, Ollama, vLLM, LM Studio.

Streams `/chat/completions` as server-sent events. Structured output is asked for with the
standard `response_format: {"type": "json_schema", ...}`; servers that only know llama.cpp's
older `{"type": "json_object", "schema": ...}` (llama-cpp-python's server) are detected on the
first refusal and remembered. Memory text goes to this server: the CLI says so when the URL is
not on this machine.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from app import http
from app.errors import ModelUnavailable
from app.llm.base import (
    Completion,
    GenerationOptions,
    Message,
    ModelInfo,
    TokenCallback,
    approx_tokens,
)

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = http.LOOPBACK_HOSTS
is_loopback = http.is_loopback


def normalise_base(url: str) -> str:
    """`http://host:port` or `.../v1` (with or without a trailing slash) -> `.../v1`."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        from app.errors import InvalidInput

        raise InvalidInput(f"{url!r} is not an http(s) URL of a model server.")
    if url.endswith("/chat/completions"):
        url = url[: -len("/chat/completions")]
    if not parts.path or parts.path == "/":
        url += "/v1"
    return url


class OpenAICompatModel:
    """`ChatModel` over HTTP. One request at a time (a lock), like the local worker."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "",
        api_key: str | None = None,
        context_tokens: int = 4096,
        timeout_s: float = 120.0,
        structured_output: str = "auto",
    ) -> None:
        self.base_url = normalise_base(base_url)
        self._model = model
        self._n_ctx = context_tokens
        self._mode = structured_output
        headers = {"Accept": "text/event-stream, application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = http.client(base_url=self.base_url, headers=headers, timeout_s=timeout_s)
        self._timeout = timeout_s
        self._lock = threading.Lock()

    # -- the protocol -----------------------------------------------------------------------
    @property
    def context_tokens(self) -> int:
        return self._n_ctx

    def info(self) -> ModelInfo:
        return ModelInfo(
            backend="endpoint",
            name=self._model or "(server default)",
            location=self.base_url,
            context_tokens=self._n_ctx,
            loaded=True,
            details={"structured_output": self._mode, "loopback": is_loopback(self.base_url)},
        )

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)

    def close(self) -> None:
        self._client.close()

    def models(self) -> list[str]:
        """The model names the server offers (GET /models)."""
        data = self._request_json("GET", "/models")
        return [str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict)]

    def complete(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        *,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion:
        with self._lock:
            if not self._model:
                names = self.models()
                self._model = names[0] if names else "default"
            body: dict[str, Any] = {
                "model": self._model,
                "messages": list(messages),
                "stream": True,
                "max_tokens": options.max_tokens,
                "temperature": options.temperature,
                "top_p": options.top_p,
                # The standard parameter; a repeat penalty of 1.15 is roughly 0.3 here.
                "frequency_penalty": round(min(2.0, max(0.0, (options.repeat_penalty - 1) * 2)), 2),
            }
            if options.stop:
                body["stop"] = list(options.stop)
            if options.seed is not None:
                body["seed"] = options.seed
            if options.json_schema is None:
                return self._stream(body, on_token, cancel)
            modes = ["json_schema", "json_object"] if self._mode == "auto" else [self._mode]
            for n, mode in enumerate(modes):
                body["response_format"] = _response_format(mode, options.json_schema)
                try:
                    result = self._stream(body, on_token, cancel)
                except _Refused:
                    if n + 1 < len(modes):
                        log.info(
                            "endpoint refused response_format %s; trying %s", mode, modes[n + 1]
                        )
                        continue
                    raise ModelUnavailable(
                        f"The model server at {self.base_url} refused structured output "
                        f"({mode}); set model.structured_output to the form it supports."
                    ) from None
                self._mode = mode  # remembered for the next calls
                return result
        raise AssertionError("unreachable")

    # -- HTTP -------------------------------------------------------------------------------
    def _request_json(self, method: str, path: str) -> dict[str, Any]:
        import httpx

        try:
            response = self._client.request(method, path)
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None
        self._check(response)
        try:
            data = response.json()
        except ValueError:
            raise ModelUnavailable(f"{self.base_url}{path} did not answer with JSON.") from None
        return data if isinstance(data, dict) else {}

    def _unreachable(self, error: Exception) -> ModelUnavailable:
        import httpx

        if isinstance(error, httpx.TimeoutException):
            return ModelUnavailable(
                f"The model server at {self.base_url} did not answer within {self._timeout:.0f} s."
            )
        return ModelUnavailable(
            f"Cannot reach the model server at {self.base_url} ({error.__class__.__name__}); is "
            "it running? Change it with `memloci model endpoint URL` or `memloci model bundled`."
        )

    def _check(self, response: Any) -> None:
        if response.status_code < 400:
            return
        if response.status_code in (401, 403):
            raise ModelUnavailable(
                f"The model server at {self.base_url} refused the API key "
                f"(HTTP {response.status_code}); set it with "
                "`memloci model endpoint URL --api-key`."
            )
        if response.status_code == 404:
            raise ModelUnavailable(
                f"{self.base_url} has no OpenAI-compatible API (HTTP 404); the URL usually ends "
                "in /v1."
            )
        raise ModelUnavailable(
            f"The model server at {self.base_url} failed (HTTP {response.status_code})."
        )

    def _stream(
        self, body: dict[str, Any], on_token: TokenCallback | None, cancel: threading.Event | None
    ) -> Completion:
        import httpx

        started = time.perf_counter()
        pieces: list[str] = []
        finish = "stop"
        prompt_tokens = completion_tokens = 0
        if cancel is not None and cancel.is_set():
            return Completion("", 0, 0, 0.0, "cancelled")
        try:
            with self._client.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code >= 400 and "response_format" in body:
                    detail = response.read()
                    # 400/422 by the standard; llama-cpp-python's server answers 500 with the
                    # validation error in the body.
                    if response.status_code in (400, 422) or b"response_format" in detail:
                        raise _Refused()
                    self._check(response)
                if response.status_code >= 400:
                    response.read()
                    self._check(response)
                for line in response.iter_lines():
                    if cancel is not None and cancel.is_set():
                        finish = "cancelled"
                        break
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        chunk = json.loads(data)
                    except ValueError:
                        continue
                    usage = chunk.get("usage") or {}
                    prompt_tokens = int(usage.get("prompt_tokens") or prompt_tokens)
                    completion_tokens = int(usage.get("completion_tokens") or completion_tokens)
                    for choice in chunk.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            pieces.append(piece)
                            if on_token is not None:
                                on_token(piece)
                        if choice.get("finish_reason"):
                            finish = choice["finish_reason"]
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None
        text = "".join(pieces)
        if not prompt_tokens:
            prompt_tokens = sum(approx_tokens(m.get("content", "")) for m in body["messages"])
        return Completion(
            text,
            prompt_tokens,
            completion_tokens or len(pieces),
            time.perf_counter() - started,
            finish,
        )


class _Refused(Exception):
    """The server rejected the request's response_format."""


def _response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any]:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "memloci_output", "schema": schema, "strict": True},
        }
    return {"type": "json_object", "schema": schema}
