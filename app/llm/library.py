"""Memloci's models folder: what was downloaded, what is half-downloaded, and removing either.

The folder is `data/models` under Memloci's data folder (or `model.models_folder`): downloaded
models are not personal data, but they are what the settings point at, so they live where a
cache cleaner does not delete them. Each `NAME.gguf` has a `NAME.gguf.json` beside it saying
where it came from and which SHA-256 it was checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.errors import InvalidInput, NotFound
from app.llm import catalog
from app.llm.download import meta_path, part_path, read_meta
from app.paths import Paths


def models_folder(paths: Paths, custom: str = "") -> Path:
    return Path(custom).expanduser() if custom.strip() else paths.data / "models"


@dataclass(frozen=True)
class LocalModel:
    filename: str
    path: Path
    size: int
    title: str
    catalogue: str | None
    sha256: str | None
    checked_against: str  # "catalogue" | "given" | "hub" | "none" | "" (not downloaded here)
    source: str | None
    partial: bool  # a download that stopped before the end (run it again to resume)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "path": str(self.path),
            "size": self.size,
            "title": self.title,
            "catalogue": self.catalogue,
            "sha256": self.sha256,
            "checked_against": self.checked_against,
            "source": self.source,
            "partial": self.partial,
        }


def installed(folder: Path) -> list[LocalModel]:
    """Whole models first (by name), then parts of unfinished downloads."""
    if not folder.is_dir():
        return []
    found: list[LocalModel] = []
    for path in sorted(folder.glob("*.gguf")):
        meta = read_meta(meta_path(path))
        entry = catalog.find(str(meta.get("catalogue") or path.name))
        found.append(
            LocalModel(
                path.name,
                path,
                path.stat().st_size,
                str(meta.get("title") or (entry.title if entry else path.stem)),
                entry.name if entry else None,
                _text(meta.get("sha256")),
                str(meta.get("checked_against") or ""),
                _text(meta.get("source")),
                False,
            )
        )
    for part in sorted(folder.glob("*.gguf.partial")):
        name = part.name.removesuffix(".partial")
        entry = catalog.find(name)
        info = read_meta(part.with_name(part.name + ".json"))
        found.append(
            LocalModel(
                name,
                part,
                part.stat().st_size,
                entry.title if entry else name,
                entry.name if entry else None,
                None,
                "",
                _text(info.get("source")),
                True,
            )
        )
    return found


def _text(value: object) -> str | None:
    return str(value) if value else None


def find(folder: Path, name: str) -> Path | None:
    """A downloaded model by catalogue name, file name or file name without `.gguf`."""
    entry = catalog.find(name)
    candidates = [entry.filename] if entry else []
    candidates += [name, f"{name}.gguf"]
    for candidate in candidates:
        if "/" in candidate or "\\" in candidate or candidate.startswith("."):
            continue
        path = folder / candidate
        if path.suffix == ".gguf" and path.is_file():
            return path
    return None


def remove(folder: Path, name: str, in_use: set[Path]) -> list[Path]:
    """Delete a downloaded model (and its record) or an unfinished download of it."""
    entry = catalog.find(name)
    filename = entry.filename if entry else (name if name.endswith(".gguf") else f"{name}.gguf")
    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise InvalidInput(f"{name!r} is not a model in {folder}.")
    model = folder / filename
    if model.resolve() in in_use:
        raise InvalidInput(
            f"{filename} is in use; choose another model first (`memloci model bundled`)."
        )
    removed = []
    part = part_path(model)
    for path in (model, meta_path(model), part, part.with_name(part.name + ".json")):
        if path.exists():
            path.unlink()
            removed.append(path)
    if not removed:
        raise NotFound(f"There is no model {name!r} in {folder}; `memloci model list` shows them.")
    return removed
