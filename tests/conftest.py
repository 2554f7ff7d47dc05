"""Shared fixtures: a private MEMLOCI_HOME per test and a fast (test-only) key derivation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.privacy import keep_local
from tests.hubserver import FakeHub, Servers, start_hub

# Telemetry off in the test process and every child it starts (onnxruntime reads the variable
# when it loads). tests/integration/test_no_network_real.py starts Memloci without these, to
# prove the app turns them on itself.
keep_local()

PASSPHRASE = "correct horse battery"

# Argon2id at its minimum cost: the keyfile records the parameters, so stores made in tests
# stay readable; production stores use DEFAULT_KDF. Subprocess tests use the real default.
FAST_KDF = {"name": "argon2id", "time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEMLOCI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEMLOCI_PASSPHRASE", PASSPHRASE)
    # The CLI fits tables to the terminal; a test's output must not depend on where it runs
    # (a 80-column terminal, a pytest-xdist worker, CI's pipe all report different widths).
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("MEMLOCI_NEW_PASSPHRASE", raising=False)
    monkeypatch.delenv("MEMLOCI_BACKUP_PASSPHRASE", raising=False)
    monkeypatch.setattr("app.security.keys.DEFAULT_KDF", FAST_KDF)
    monkeypatch.setattr("app.backup.DEFAULT_KDF", FAST_KDF)
    # The CLI takes the passphrase variables out of os.environ at start (no child inherits
    # them); what one test's in-process CLI run took must not reach the next test.
    from app.security.hardening import forget_secret_env

    forget_secret_env()


@pytest.fixture(autouse=True)
def _offline_embedder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests embed with a small deterministic fake (tests/embedder_fakes.py); tests marked
    `integration` get the real ONNX model."""
    if request.node.get_closest_marker("integration"):
        return
    from tests.embedder_fakes import fake_create_embedder

    monkeypatch.setattr("app.embed.create_embedder", fake_create_embedder)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def servers() -> Iterator[Servers]:
    """Local HTTP servers a test starts, stopped at its end."""
    running = Servers()
    yield running
    running.stop()


@pytest.fixture
def hub(servers: Servers, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    """A fake Hugging Face hub, set as `HF_ENDPOINT`."""
    found = start_hub(servers)
    monkeypatch.setenv("HF_ENDPOINT", found.url)
    return found


@pytest.fixture
def memloci(home: Path) -> Iterator:
    from app.core import Memloci

    instance = Memloci.open(home)
    yield instance
    instance.close()


def subprocess_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMLOCI_")}
    env.update({"MEMLOCI_HOME": str(home), "MEMLOCI_PASSPHRASE": PASSPHRASE, **extra})
    return env
