"""What this computer offers a language model: memory, CPU cores and features, and GPUs.

Read from /proc and /sys on Linux (no subprocess except `nvidia-smi` where an NVIDIA driver is
present, for the card's memory); other systems report what Python knows. Used to estimate which
catalogue models fit and to recommend one; nothing here leaves the machine.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

GIB = 1024**3


@dataclass(frozen=True)
class Gpu:
    vendor: str  # "NVIDIA" | "AMD" | "Apple"
    name: str
    memory_bytes: int  # 0 when unknown (Apple: shared with the CPU)


@dataclass(frozen=True)
class Machine:
    memory_bytes: int
    available_bytes: int
    cores: int
    cpu_name: str
    features: tuple[str, ...]  # of "AVX2", "AVX-512", "AMX", "NEON"
    gpus: tuple[Gpu, ...] = field(default_factory=tuple)

    @property
    def runs_llama_cpp(self) -> bool:
        """Memloci's llama.cpp is built for x86-64-v3 (AVX2); ARM builds need NEON."""
        return "AVX2" in self.features or "NEON" in self.features

    def describe(self) -> str:
        features = f" ({', '.join(self.features)})" if self.features else ""
        gpus = ", ".join(_gpu_text(g) for g in self.gpus) or "no GPU found"
        return f"{self.memory_bytes / GIB:.0f} GB memory, {self.cores} CPU cores{features}, {gpus}"

    def to_dict(self) -> dict[str, object]:
        return {
            "memory_bytes": self.memory_bytes,
            "available_bytes": self.available_bytes,
            "cores": self.cores,
            "cpu": self.cpu_name,
            "features": list(self.features),
            "gpus": [
                {"vendor": g.vendor, "name": g.name, "memory_bytes": g.memory_bytes}
                for g in self.gpus
            ],
        }


def _gpu_text(gpu: Gpu) -> str:
    if gpu.memory_bytes:
        return f"{gpu.name} ({gpu.memory_bytes / GIB:.0f} GB)"
    return gpu.name


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def memory(meminfo: Path = Path("/proc/meminfo")) -> tuple[int, int]:
    """(total, available) bytes; from sysconf where /proc/meminfo is missing."""
    values: dict[str, int] = {}
    try:
        for line in meminfo.read_text().splitlines():
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                values[name] = int(parts[0]) * 1024  # kB
    except OSError:
        pass
    total = values.get("MemTotal", 0)
    if not total:
        try:
            total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            total = 0
    return total, values.get("MemAvailable", total)


def cpu(cpuinfo: Path = Path("/proc/cpuinfo")) -> tuple[str, tuple[str, ...]]:
    """The CPU's name and the features that matter to llama.cpp."""
    name, flags = platform.processor() or platform.machine(), set[str]()
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and not flags:
                name = value.strip()
            elif key in ("flags", "Features") and not flags:
                flags = set(value.split())
    except OSError:
        pass
    found = []
    if "avx2" in flags:
        found.append("AVX2")
    if "avx512f" in flags:
        found.append("AVX-512")
    if any(f.startswith("amx") for f in flags):
        found.append("AMX")
    if "asimd" in flags or platform.machine().lower() in ("arm64", "aarch64"):
        found.append("NEON")
    return name, tuple(found)


def gpus(sys_root: Path = Path("/sys"), proc_root: Path = Path("/proc")) -> tuple[Gpu, ...]:
    """Dedicated GPUs a model server could use. Integrated Intel graphics are not counted."""
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        return (Gpu("Apple", "Apple GPU (Metal, shares the memory)", 0),)
    found: list[Gpu] = []
    nvidia = proc_root / "driver" / "nvidia" / "gpus"
    if nvidia.is_dir():
        found.extend(_nvidia(nvidia))
    drm = sys_root / "class" / "drm"
    if drm.is_dir():
        for card in sorted(drm.glob("card[0-9]*")):
            if "-" in card.name:  # connectors such as card0-HDMI-A-1
                continue
            device = card / "device"
            vendor = _read(device / "vendor")
            if vendor == "0x1002":  # AMD
                vram = _read(device / "mem_info_vram_total")
                size = int(vram) if vram.isdigit() else 0
                if size >= GIB:  # an APU's small carve-out is not a GPU for models
                    found.append(Gpu("AMD", "AMD GPU", size))
            elif vendor == "0x10de" and not any(g.vendor == "NVIDIA" for g in found):
                found.append(Gpu("NVIDIA", "NVIDIA GPU", 0))
    return tuple(found)


def _nvidia(folder: Path) -> list[Gpu]:
    names = []
    for info in sorted(folder.glob("*/information")):
        for line in _read(info).splitlines():
            if line.startswith("Model:"):
                names.append(line.split(":", 1)[1].strip())
    sizes = _nvidia_smi_memory()
    return [Gpu("NVIDIA", name, sizes[n] if n < len(sizes) else 0) for n, name in enumerate(names)]


def _nvidia_smi_memory() -> list[int]:
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return []
    try:
        out = subprocess.run(
            [tool, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(line.strip()) * 1024**2 for line in out.splitlines() if line.strip().isdigit()]


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def this_machine() -> Machine:
    total, available = memory()
    name, features = cpu()
    return Machine(total, available, cores(), name, features, gpus())
