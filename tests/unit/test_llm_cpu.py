"""Which CPUs load llama.cpp models without extra buffer types (app.llm.cpu)."""

from __future__ import annotations

import pytest

from app.llm.cpu import ENV, extra_buffers_allowed, safe_model_params

SAPPHIRE_RAPIDS = frozenset({"avx2", "avx512f", "amx_bf16", "amx_int8", "amx_tile"})
EPYC = frozenset({"avx2", "fma", "f16c"})


def test_amx_cpus_leave_the_extra_buffers_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert not extra_buffers_allowed(SAPPHIRE_RAPIDS)
    assert extra_buffers_allowed(EPYC)
    assert extra_buffers_allowed(frozenset())  # unknown (not Linux): llama.cpp's default


def test_the_environment_decides_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "1")
    assert extra_buffers_allowed(SAPPHIRE_RAPIDS)
    monkeypatch.setenv(ENV, "0")
    assert not extra_buffers_allowed(EPYC)


def test_loading_without_extra_buffers_changes_only_that_and_only_while_loading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    native = pytest.importorskip("llama_cpp.llama_cpp")
    monkeypatch.setenv(ENV, "0")
    before = native.llama_model_default_params()
    with safe_model_params():
        inside = native.llama_model_default_params()
    after = native.llama_model_default_params()
    assert before.use_extra_bufts and after.use_extra_bufts
    assert not inside.use_extra_bufts
    assert inside.n_gpu_layers == before.n_gpu_layers and inside.vocab_only == before.vocab_only
