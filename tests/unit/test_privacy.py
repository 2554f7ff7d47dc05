"""Telemetry opt-outs (app/privacy.py) and what `memloci doctor` says about the network (issue 13).

The kernel-level proof that nothing leaves the machine is tests/integration/test_no_network_real.py;
these check the switches and that doctor says "offline" only when it holds."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from app import doctor, privacy
from app.paths import Paths
from app.settings import Settings


def network(home: Path) -> list[doctor.Check]:
    return [c for c in doctor.run(Paths.resolve(home)) if c.name in ("network", "old telemetry")]


def configure(home: Path, **values: object) -> None:
    paths = Paths.resolve(home)
    paths.ensure()
    settings = Settings.load(paths.settings_file)
    for name, value in values.items():
        settings = settings.with_value(name.replace("__", "."), value)
    settings.save(paths.settings_file)


@pytest.fixture(autouse=True)
def _no_leftovers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An empty cache folder: the machine's own ~/.cache must not decide these tests."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def test_keep_local_sets_every_opt_out_over_other_values(monkeypatch) -> None:
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "0")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "True")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert privacy.opt_outs().missing == ["ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE",
                                          "ANONYMIZED_TELEMETRY"]  # fmt: skip
    privacy.keep_local()
    assert privacy.opt_outs().missing == []
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"


def test_an_onnxruntime_loaded_first_is_silenced_and_reported(monkeypatch) -> None:
    calls = []
    fake = types.ModuleType("onnxruntime")
    fake.disable_telemetry_events = lambda: calls.append("off")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "onnxruntime", fake)
    monkeypatch.setattr(privacy, "_state", {})
    privacy.keep_local()
    assert calls == ["off"]
    state = privacy.opt_outs()
    assert state.onnxruntime_loaded_first and not state.in_effect
    assert privacy.load_onnxruntime() is fake and calls == ["off", "off"]


def test_the_real_onnxruntime_loads_with_telemetry_off_and_writes_nothing(tmp_path) -> None:
    """No device id, no event queue, no session file: the variable is set before it loads."""
    env = {k: v for k, v in os.environ.items() if k not in privacy.OPT_OUTS}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"), TMPDIR=str(tmp_path))
    code = (
        "from app import privacy\n"
        "ort = privacy.load_onnxruntime()\n"
        "print(ort.get_available_providers()[-1], privacy.opt_outs().in_effect)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["CPUExecutionProvider", "True"], result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_doctor_says_offline_when_nothing_is_configured_and_telemetry_is_off(home) -> None:
    privacy.keep_local()
    (check,) = network(home)
    assert check.status == doctor.OK and check.detail.startswith("offline:")
    assert "telemetry off" in check.detail


def test_doctor_is_not_offline_while_an_opt_out_is_missing(home, monkeypatch) -> None:
    privacy.keep_local()
    monkeypatch.delenv("ORT_DISABLE_TELEMETRY")
    (check,) = network(home)
    assert check.status == doctor.FAIL and "offline" not in check.detail.replace("not offline", "")
    assert "ORT_DISABLE_TELEMETRY" in check.detail and check.fix


def test_doctor_names_each_server_memory_text_goes_to(home) -> None:
    privacy.keep_local()
    configure(
        home,
        model__backend="endpoint",
        model__endpoint="https://llm.example.com/v1",
        retrieval__chroma_url="http://10.0.0.7:8000",
    )
    (check,) = network(home)
    assert check.status == doctor.WARN and "offline" not in check.detail
    assert "language model at https://llm.example.com/v1" in check.detail
    assert "vector index at http://10.0.0.7:8000" in check.detail
    assert "memloci model bundled" in check.fix


def test_doctor_counts_a_server_on_this_machine_as_offline(home) -> None:
    privacy.keep_local()
    configure(home, embedder__kind="endpoint", embedder__url="http://127.0.0.1:8081/v1")
    (check,) = network(home)
    assert check.status == doctor.OK and check.detail.startswith("offline:")
    assert "embedder at http://127.0.0.1:8081/v1" in check.detail


def test_doctor_points_at_telemetry_left_by_an_earlier_run(home, tmp_path) -> None:
    privacy.keep_local()
    left = tmp_path / "xdg-cache" / "Microsoft" / "DeveloperTools" / ".onnxruntime"
    left.mkdir(parents=True)
    (left / "deviceid").write_text("c0ffee")
    checks = {c.name: c for c in network(home)}
    assert checks["network"].status == doctor.OK
    assert (
        checks["old telemetry"].status == doctor.WARN
        and str(left) in checks["old telemetry"].detail
    )


def test_the_embedder_check_no_longer_claims_offline_on_its_own(home) -> None:
    checks = {c.name: c for c in doctor.run(Paths.resolve(home))}
    assert "offline" not in checks["embedder"].detail
    assert "on this machine" in checks["embedder"].detail
