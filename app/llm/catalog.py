"""A short, curated list of instruct models in GGUF form, and what each would cost here.

Every entry comes from the model's authors or a well-known quantizer (bartowski, ggml-org) on
the Hugging Face hub, as a Q4_K_M file (about 4.8 bits per weight: the usual balance of size and
quality). Where the file's SHA-256 was known when the list was written, the entry pins the hub
revision (a commit) it belongs to and the download is checked against it; the other entries
follow the repository's `main` and are checked against the LFS SHA-256 the hub publishes for the
file at download time. Sizes are the hub's listing (three significant digits); the exact size
comes from the hub when downloading.

Speed estimates start from Memloci's own measurement of the bundled SmolLM2-135M on this machine
(`app.llm.speed`) and assume CPU inference scales with the work per token: writing (one token
at a time) reads every weight once, so it scales with the file's size, i.e. parameters times
bits per weight; reading the prompt is arithmetic on every parameter, so it scales with the
parameter count. A 135M model carries more fixed cost per token than a 7B one, so the estimates
for large models lean slow; expect the real figure within about a factor of two.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.llm.machine import GIB, Machine

BUNDLED_PARAMS_B = 0.135  # SmolLM2-135M-Instruct
OVERHEAD_BYTES = 350 * 1024**2  # llama.cpp's compute buffers and the runtime
CHAT_SPEED = 5.0  # tokens/s: about reading speed; slower answers feel stuck
FITS, TIGHT, TOO_BIG = "fits", "tight", "too big"


@dataclass(frozen=True)
class CatalogModel:
    name: str  # what people type: `memloci model download qwen2.5-7b`
    title: str
    repo: str
    revision: str  # a commit where the hash is known, else "main"
    filename: str
    sha256: str | None
    approx_bytes: int
    params_b: float  # billions of parameters
    quant: str
    kv_bytes_per_token: int  # 2 (K, V) x layers x KV heads x head size x 2 bytes (f16)
    licence: str
    licence_url: str
    context: int  # the context length it was trained for
    note: str
    tier: int  # preference when recommending: better at organising memories (JSON output,
    # following instructions) and freely licensed ranks higher; equals keep the list's order

    @property
    def hub_file(self) -> str:
        """`repo/file` as `memloci model download` also accepts it."""
        return f"{self.repo}/{self.filename}"


def _kv(layers: int, kv_heads: int, head_size: int) -> int:
    return 2 * layers * kv_heads * head_size * 2


CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel(
        name="qwen2.5-1.5b",
        title="Qwen2.5 1.5B Instruct",
        repo="bartowski/Qwen2.5-1.5B-Instruct-GGUF",
        revision="85553858e3522ce5b531285b2202bdb40fab1624",
        filename="Qwen2.5-1.5B-Instruct-Q4_K_M.gguf",
        sha256="50961d9b7d3b89e46be230528fc66d38bbdda8ac3748323dd34f129a714124fc",
        approx_bytes=986_000_000,
        params_b=1.54,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(28, 2, 128),
        licence="Apache-2.0",
        licence_url="https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct/blob/main/LICENSE",
        context=32_768,
        note="Small and quick; follows JSON schemas well. For modest laptops.",
        tier=1,
    ),
    CatalogModel(
        name="llama3.2-3b",
        title="Llama 3.2 3B Instruct",
        repo="bartowski/Llama-3.2-3B-Instruct-GGUF",
        revision="c346bfc2029e79ba6d7edf026cf01fe44242db0d",
        filename="Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        sha256="6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff",
        approx_bytes=2_020_000_000,
        params_b=3.21,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(28, 8, 128),
        licence="Llama 3.2 Community License",
        licence_url="https://huggingface.co/meta-llama/Llama-3.2-3B-Instruct/blob/main/LICENSE.txt",
        context=131_072,
        note="Good everyday answers and summaries; many languages.",
        tier=3,
    ),
    CatalogModel(
        name="qwen2.5-3b",
        title="Qwen2.5 3B Instruct",
        repo="bartowski/Qwen2.5-3B-Instruct-GGUF",
        revision="e118764d9e73c6ee4b87fe7a367df84a985a99fc",
        filename="Qwen2.5-3B-Instruct-Q4_K_M.gguf",
        sha256="9c9f56a391a3abbd5b89d0245bf6106081bcc3173119d4229235dd9d23253f94",
        approx_bytes=1_930_000_000,
        params_b=3.09,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(36, 2, 128),
        licence="Qwen Research License (non-commercial)",
        licence_url="https://huggingface.co/Qwen/Qwen2.5-3B-Instruct/blob/main/LICENSE",
        context=32_768,
        note="Strong at structured output for its size; personal, non-commercial use.",
        tier=2,
    ),
    CatalogModel(
        name="phi4-mini",
        title="Phi-4-mini Instruct (3.8B)",
        repo="bartowski/microsoft_Phi-4-mini-instruct-GGUF",
        revision="main",
        filename="microsoft_Phi-4-mini-instruct-Q4_K_M.gguf",
        sha256=None,
        approx_bytes=2_490_000_000,
        params_b=3.84,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(32, 8, 128),
        licence="MIT",
        licence_url="https://huggingface.co/microsoft/Phi-4-mini-instruct/blob/main/LICENSE",
        context=131_072,
        note="Careful reasoning for its size; English first.",
        tier=3,
    ),
    CatalogModel(
        name="gemma3-4b",
        title="Gemma 3 4B Instruct",
        repo="ggml-org/gemma-3-4b-it-GGUF",
        revision="main",
        filename="gemma-3-4b-it-Q4_K_M.gguf",
        sha256=None,
        approx_bytes=2_490_000_000,
        params_b=3.88,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(34, 4, 256),
        licence="Gemma Terms of Use",
        licence_url="https://ai.google.dev/gemma/terms",
        context=131_072,
        note="Natural writing, many languages.",
        tier=3,
    ),
    CatalogModel(
        name="qwen2.5-7b",
        title="Qwen2.5 7B Instruct",
        repo="bartowski/Qwen2.5-7B-Instruct-GGUF",
        revision="f4b6063c19a94c15fe9031d8afbbb9df7ec8b93f",
        filename="Qwen2.5-7B-Instruct-Q4_K_M.gguf",
        sha256="65b8fcd92af6b4fefa935c625d1ac27ea29dcb6ee14589c55a8f115ceaaa1423",
        approx_bytes=4_680_000_000,
        params_b=7.62,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(28, 4, 128),
        licence="Apache-2.0",
        licence_url="https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/LICENSE",
        context=32_768,
        note="The strongest here at organising memories; wants a recent CPU or a GPU.",
        tier=5,
    ),
    CatalogModel(
        name="mistral-7b",
        title="Mistral 7B Instruct v0.3",
        repo="bartowski/Mistral-7B-Instruct-v0.3-GGUF",
        revision="main",
        filename="Mistral-7B-Instruct-v0.3-Q4_K_M.gguf",
        sha256=None,
        approx_bytes=4_370_000_000,
        params_b=7.25,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(32, 8, 128),
        licence="Apache-2.0",
        licence_url="https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3",
        context=32_768,
        note="Solid general answers; European languages.",
        tier=4,
    ),
    CatalogModel(
        name="llama3.1-8b",
        title="Llama 3.1 8B Instruct",
        repo="bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
        revision="main",
        filename="Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        sha256=None,
        approx_bytes=4_920_000_000,
        params_b=8.03,
        quant="Q4_K_M",
        kv_bytes_per_token=_kv(32, 8, 128),
        licence="Llama 3.1 Community License",
        licence_url="https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/LICENSE",
        context=131_072,
        note="Broad knowledge, long context.",
        tier=4,
    ),
)


def find(name: str) -> CatalogModel | None:
    """A catalogue entry by its name or its file name (case-insensitive)."""
    wanted = name.strip().lower()
    for entry in CATALOG:
        if wanted in (entry.name, entry.filename.lower(), entry.filename.lower()[:-5]):
            return entry
    return None


# -- what a model would cost here ---------------------------------------------------------------
@dataclass(frozen=True)
class Speed:
    """The bundled model measured here: tokens per second reading a prompt and writing."""

    prompt_tps: float
    generate_tps: float
    weight_bytes: int  # the bundled GGUF file's size
    threads: int


@dataclass(frozen=True)
class Estimate:
    memory_bytes: int
    fit: str  # FITS | TIGHT | TOO_BIG
    generate_tps: float | None  # None: no measurement (or llama.cpp cannot run here)
    prompt_tps: float | None


def memory_needed(entry: CatalogModel, context_tokens: int) -> int:
    return entry.approx_bytes + entry.kv_bytes_per_token * context_tokens + OVERHEAD_BYTES


def estimate(
    entry: CatalogModel, machine: Machine, speed: Speed | None, context_tokens: int
) -> Estimate:
    need = memory_needed(entry, context_tokens)
    total = machine.memory_bytes or need * 2
    fit = FITS if need <= total * 0.5 else TIGHT if need <= total * 0.75 else TOO_BIG
    if speed is None or not machine.runs_llama_cpp:
        return Estimate(need, fit, None, None)
    return Estimate(
        need,
        fit,
        speed.generate_tps * speed.weight_bytes / entry.approx_bytes,
        speed.prompt_tps * BUNDLED_PARAMS_B / entry.params_b,
    )


@dataclass(frozen=True)
class Recommendation:
    name: str | None  # a catalogue entry to download, or None
    reason: str  # sentences: why this one (or why none)
    title: str = ""


def recommend(
    machine: Machine, speed: Speed | None, context_tokens: int, entries: tuple[CatalogModel, ...]
) -> Recommendation:
    """The preferred model (by `tier`) that fits in half the memory and writes at reading
    speed here; else the smallest that fits."""
    gpu = _gpu_note(machine)
    if not machine.runs_llama_cpp:
        return Recommendation(
            None,
            "This CPU lacks AVX2, which Memloci's built-in llama.cpp needs; run a model server "
            "(Ollama, LM Studio) and Memloci finds it." + gpu,
        )
    estimates = {e.name: estimate(e, machine, speed, context_tokens) for e in entries}
    fitting = [e for e in entries if estimates[e.name].fit == FITS]
    if not fitting:
        return Recommendation(
            None,
            "None of these fits comfortably in this computer's memory; keep the bundled "
            "model or use a model server on another computer." + gpu,
        )
    quick = [e for e in fitting if (estimates[e.name].generate_tps or 0) >= CHAT_SPEED]
    if quick:
        best = max(quick, key=lambda e: e.tier)  # max keeps the first of equals
        why = (
            f"The strongest for memory work that fits in half of the "
            f"{machine.memory_bytes / GIB:.0f} GB of memory; it should write about "
            f"{estimates[best.name].generate_tps:.0f} tokens/s here."
        )
    else:
        best = min(fitting, key=lambda e: e.params_b)
        speed_here = estimates[best.name].generate_tps
        measured = f" (about {speed_here:.1f} tokens/s)" if speed_here else ""
        why = (
            f"The smallest: on this CPU it writes slowly{measured} and larger models slower "
            "still, so answers take a while; the memory agents work in the background anyway."
        )
    return Recommendation(best.name, why + gpu, best.title)


def _gpu_note(machine: Machine) -> str:
    dedicated = [g for g in machine.gpus if g.vendor in ("NVIDIA", "AMD")]
    if not dedicated:
        return ""
    memory = max(g.memory_bytes for g in dedicated)
    size = f" ({memory / GIB:.0f} GB)" if memory else ""
    return (
        f" A GPU{size} was found: Memloci's built-in llama.cpp runs on the CPU, while Ollama or "
        "LM Studio use the GPU and run 7-8B models quickly; start one and Memloci lists it here."
    )
