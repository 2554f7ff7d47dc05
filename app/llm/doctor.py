"""`memloci doctor` checks for the model the settings choose (cheap: no load, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.checks import FAIL, OK, WARN, Check, register
from app.errors import MemlociError, ModelUnavailable
from app.llm.bundled import bundled_model_path
from app.llm.cpu import ENV, extra_buffers_allowed
from app.paths import Paths
from app.settings import Settings


@register(order=80)
def checks(paths: Paths) -> list[Check]:
    """The language model the settings choose (issue 4)."""
    try:
        everything = Settings.load(paths.settings_file)
    except MemlociError:
        return []  # the settings check reports it
    settings, agents = everything.model, everything.agents_model
    found = _choice(settings)
    if agents.backend != "same":  # the agents' own model (issue 18)
        found += [
            Check("model:agents", c.status, f"memory agents: {c.detail}", c.fix)
            for c in _choice(agents)
        ]
    local = settings.backend != "endpoint" or agents.backend in ("bundled", "gguf")
    if local:  # llama.cpp runs here
        found.append(_cpu())
    return found


def _cpu() -> Check:
    if extra_buffers_allowed():
        return Check("model:cpu", OK, "llama.cpp uses this CPU's weight repacking")
    return Check(
        "model:cpu",
        OK,
        "this CPU has AMX: llama.cpp's AMX kernels (which crash, llama.cpp issue #20824) are "
        f"left out; the AVX kernels run the model ({ENV}=1 to try them)",
    )


def _choice(settings: Any) -> list[Check]:
    if settings.backend == "endpoint":
        from app.llm.remote import is_loopback  # the HTTP client, only for an endpoint

        if not settings.endpoint:
            return [
                Check(
                    "model:choice",
                    FAIL,
                    "endpoint chosen but no URL set",
                    "Run `memloci model endpoint URL` or `memloci model bundled`.",
                )
            ]
        where = "on this machine" if is_loopback(settings.endpoint) else "on another machine"
        status = OK if is_loopback(settings.endpoint) else WARN
        fix = "" if status == OK else "Memory text is sent to it; use a server you trust, https."
        return [
            Check(
                "model:choice",
                status,
                f"OpenAI-compatible server {settings.endpoint} ({where}); "
                "`memloci model test` tries it",
                fix,
            )
        ]
    if settings.backend == "gguf":
        from app.llm.local import check_gguf  # llama.cpp glue, only for a GGUF choice

        path = Path(settings.path).expanduser()
        try:
            check_gguf(path)
        except ModelUnavailable as error:
            return [Check("model:choice", FAIL, str(error), "Run `memloci model bundled`.")]
        size = path.stat().st_size / 1e6
        return [Check("model:choice", OK, f"GGUF file {path} ({size:.0f} MB)")]
    from app.llm.local import check_gguf  # llama.cpp glue, only for a GGUF choice

    bundled = bundled_model_path()
    if bundled is not None:
        try:
            check_gguf(Path(bundled))
        except ModelUnavailable as error:
            fix = "Reinstall Memloci (./scripts/run) to get the bundled model back."
            return [Check("model:choice", FAIL, str(error), fix)]
    return [
        Check(
            "model:choice",
            OK,
            f"bundled model, context {settings.context_tokens} tokens; "
            "`memloci model use PATH` or `model endpoint URL` for a stronger one",
        )
    ]
