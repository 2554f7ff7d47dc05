"""`memloci doctor` checks for search: the embedder can run, the vector index can be used.
Cheap and silent: nothing is unlocked, loaded or embedded."""

from __future__ import annotations

import importlib.util
import urllib.request
from pathlib import Path

from app.checks import FAIL, OK, WARN, Check, register
from app.errors import MemlociError
from app.paths import Paths
from app.settings import Settings
from app.vectors.owner import OwnerLock


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _embedder(paths: Paths, settings: object) -> Check:
    chosen = settings.embedder  # type: ignore[attr-defined]
    if chosen.kind == "none":
        return Check(
            "embedder",
            WARN,
            "off: search matches words only, not meaning",
            "Turn it on with `memloci embedder use minilm`.",
        )
    if chosen.kind == "gguf":
        path = Path(chosen.model_path).expanduser()
        if not path.is_file():
            return Check(
                "embedder", FAIL, f"GGUF model {path} is missing", "`memloci embedder use minilm`"
            )
        if importlib.util.find_spec("llama_cpp") is None:
            return Check("embedder", FAIL, "llama-cpp-python is missing", "Run ./scripts/run.")
        return Check("embedder", OK, f"{path.name} through llama.cpp")
    if chosen.kind == "endpoint":
        return Check("embedder", OK, f"endpoint {chosen.url} ({chosen.model or 'default model'})")
    from app.embed.minilm import MiniLMEmbedder, model_dir  # onnxruntime's wrapper, on demand

    try:
        folder = model_dir()
    except MemlociError as error:
        return Check("embedder", FAIL, str(error), "Run ./scripts/run again.")
    missing = [m for m in ("onnxruntime", "tokenizers") if importlib.util.find_spec(m) is None]
    if missing:
        return Check("embedder", FAIL, f"{', '.join(missing)} missing", "Run ./scripts/run again.")
    embedder = MiniLMEmbedder(paths.cache, folder=folder)
    built = embedder.graph_path().is_file() or embedder.shipped_graph() is not None
    note = "fp32 graph ready" if built else "fp32 graph is built on first use (about a second)"
    return Check("embedder", OK, f"all-MiniLM-L6-v2 on onnxruntime, on this machine; {note}")


def _index(paths: Paths, settings: object) -> Check:
    retrieval = settings.retrieval  # type: ignore[attr-defined]
    if importlib.util.find_spec("chromadb") is None:
        return Check("vector index", FAIL, "chromadb is missing", "Run ./scripts/run again.")
    if retrieval.chroma_url:
        try:
            urllib.request.urlopen(
                retrieval.chroma_url.rstrip("/") + "/api/v2/heartbeat", timeout=2
            )
        except OSError as error:
            return Check(
                "vector index",
                WARN,
                f"Chroma server {retrieval.chroma_url} is not answering ({error})",
                "Start the server, or clear retrieval.chroma_url to use the local index; "
                "search works on full text meanwhile.",
            )
        return Check("vector index", OK, f"Chroma server at {retrieval.chroma_url}")
    folder = paths.vectors
    size = f"{_folder_size(folder) / 1e6:.1f} MB" if folder.exists() else "not created yet"
    holder = OwnerLock(paths.data / "vectors.lock").holder()
    owner = f"; in use by process {holder}" if holder else ""
    return Check("vector index", OK, f"local Chroma in {folder} ({size}){owner}")


@register(order=70)
def checks(paths: Paths) -> list[Check]:
    """Search (issue 3): the embedder and the vector index."""
    try:
        settings = Settings.load(paths.settings_file)
    except MemlociError as error:
        return [Check("embedder", FAIL, str(error), "Fix or delete the settings file.")]
    return [_embedder(paths, settings), _index(paths, settings)]
