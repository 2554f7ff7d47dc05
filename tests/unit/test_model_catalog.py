"""The catalogue's estimates and recommendation, from this machine's facts (read from /proc and
/sys files written here) and a measured speed."""

from __future__ import annotations

from pathlib import Path

from app.llm import catalog
from app.llm.catalog import CATALOG, Speed, estimate, recommend
from app.llm.machine import GIB, Gpu, Machine, cpu, gpus, memory

# SmolLM2-135M measured at 150 tokens/s writing, 600 reading (a 4-core laptop).
LAPTOP_SPEED = Speed(prompt_tps=600.0, generate_tps=150.0, weight_bytes=98_362_432, threads=4)


def machine(gb: float, features: tuple[str, ...] = ("AVX2",), gpus_: tuple[Gpu, ...] = ()):
    return Machine(int(gb * GIB), int(gb * GIB * 0.7), 4, "Test CPU", features, gpus_)


def test_proc_and_sys_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "meminfo").write_text("MemTotal:       16314564 kB\nMemAvailable:    9000000 kB\n")
    total, available = memory(tmp_path / "meminfo")
    assert total == 16314564 * 1024 and available == 9000000 * 1024
    (tmp_path / "cpuinfo").write_text(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
        "flags\t\t: fpu sse avx avx2 fma avx512f avx512bw amx_tile amx_int8\n"
    )
    name, features = cpu(tmp_path / "cpuinfo")
    assert name.startswith("Intel(R) Xeon") and features == ("AVX2", "AVX-512", "AMX")
    card = tmp_path / "sys/class/drm/card1/device"
    card.mkdir(parents=True)
    (card / "vendor").write_text("0x1002\n")
    (card / "mem_info_vram_total").write_text(str(16 * GIB))
    (tmp_path / "sys/class/drm/card1-DP-1").mkdir()
    igpu = tmp_path / "sys/class/drm/card0/device"
    igpu.mkdir(parents=True)
    (igpu / "vendor").write_text("0x8086\n")
    nvidia = tmp_path / "proc/driver/nvidia/gpus/0000:01:00.0"
    nvidia.mkdir(parents=True)
    (nvidia / "information").write_text("Model: \t\t NVIDIA GeForce RTX 4070\nIRQ: 1\n")
    found = gpus(tmp_path / "sys", tmp_path / "proc")
    assert [(g.vendor, g.memory_bytes) for g in found][-1] == ("AMD", 16 * GIB)
    assert found[0].vendor == "NVIDIA" and "RTX 4070" in found[0].name


def test_estimates_scale_with_file_size_and_parameters() -> None:
    small, big = catalog.find("qwen2.5-1.5b"), catalog.find("qwen2.5-7b")
    assert small is not None and big is not None
    here = machine(32)
    a, b = estimate(small, here, LAPTOP_SPEED, 4096), estimate(big, here, LAPTOP_SPEED, 4096)
    assert a.generate_tps and b.generate_tps and a.prompt_tps and b.prompt_tps
    ratio = b.generate_tps / a.generate_tps
    assert abs(ratio - small.approx_bytes / big.approx_bytes) < 1e-9
    assert abs(b.prompt_tps / a.prompt_tps - small.params_b / big.params_b) < 1e-9
    # memory: weights + KV cache for the context + runtime
    kv = big.kv_bytes_per_token * 4096
    assert b.memory_bytes == big.approx_bytes + kv + catalog.OVERHEAD_BYTES
    assert a.fit == "fits" and estimate(big, machine(6), LAPTOP_SPEED, 4096).fit == "too big"
    assert estimate(big, machine(9), LAPTOP_SPEED, 4096).fit == "tight"
    assert estimate(big, here, None, 4096).generate_tps is None


def test_recommendations_follow_memory_speed_cpu_and_gpu() -> None:
    fast = Speed(prompt_tps=2000.0, generate_tps=250.0, weight_bytes=98_362_432, threads=16)
    assert recommend(machine(64), fast, 4096, CATALOG).name == "qwen2.5-7b"
    # A 7B model fits but would write ~3 tokens/s on the laptop: a 3B model is recommended.
    laptop = recommend(machine(16), LAPTOP_SPEED, 4096, CATALOG)
    assert laptop.name == "llama3.2-3b" and "tokens/s" in laptop.reason
    # Slow CPU: the smallest that fits, said to be slow.
    slow = Speed(prompt_tps=40.0, generate_tps=8.0, weight_bytes=98_362_432, threads=2)
    pick = recommend(machine(8), slow, 4096, CATALOG)
    assert pick.name == "qwen2.5-1.5b" and "slowly" in pick.reason
    assert recommend(machine(1.5), LAPTOP_SPEED, 4096, CATALOG).name is None
    old = recommend(machine(16, features=()), LAPTOP_SPEED, 4096, CATALOG)
    assert old.name is None and "AVX2" in old.reason
    gpu = recommend(machine(32, gpus_=(Gpu("NVIDIA", "RTX", 12 * GIB),)), fast, 4096, CATALOG)
    assert "GPU (12 GB)" in gpu.reason and "Ollama" in gpu.reason


def test_every_entry_is_well_formed() -> None:
    names = [e.name for e in CATALOG]
    assert len(set(names)) == len(names) and 5 <= len(names) <= 10
    for entry in CATALOG:
        assert entry.filename.endswith(".gguf") and entry.licence and entry.licence_url
        assert "/" in entry.repo and entry.approx_bytes > 5e8
        if entry.sha256 is not None:  # a known hash is pinned to the commit it belongs to
            assert len(entry.sha256) == 64 and len(entry.revision) == 40
        assert catalog.find(entry.filename) is entry


def test_the_measurement_is_remembered_and_not_repeated(tmp_path: Path, monkeypatch) -> None:
    from app.llm import speed

    model = tmp_path / "bundled.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 100)
    timed: list[Path] = []

    def time_model(path: Path, threads: int) -> Speed:
        timed.append(path)
        return Speed(250.0, 60.0, path.stat().st_size, threads)

    monkeypatch.setattr("app.llm.bundled.bundled_model_path", lambda: model)
    monkeypatch.setattr(speed, "time_model", time_model)
    cache = tmp_path / "cache"
    assert speed.this_machine(cache, measure=False) is None and not timed
    first = speed.this_machine(cache)
    assert first is not None and first.generate_tps == 60.0 and len(timed) == 1
    assert speed.this_machine(cache) == first and len(timed) == 1  # remembered
    assert speed.this_machine(cache, measure=False) == first
    speed.this_machine(cache, again=True)
    assert len(timed) == 2
    model.write_bytes(b"GGUF" + b"\0" * 200)  # another bundled file: measured again
    speed.this_machine(cache)
    assert len(timed) == 3
