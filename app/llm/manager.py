"""What the facade's model methods do: the catalogue with this machine's estimates, downloads,
the models folder, and local servers. Qt-free; the CLI and the Models settings call it through
the facade, from worker threads for anything slow (measuring, downloading, probing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.llm import catalog, discovery, library, speed
from app.llm.catalog import CatalogModel, Estimate, Recommendation, Speed
from app.llm.download import Downloaded, Downloader, ProgressCallback
from app.llm.hub import parse
from app.llm.library import LocalModel
from app.llm.machine import Machine, this_machine
from app.paths import Paths
from app.settings import Settings


@dataclass(frozen=True)
class CatalogRow:
    model: CatalogModel
    estimate: Estimate
    installed: LocalModel | None  # downloaded (or partly: `installed.partial`)
    recommended: bool
    used_for: tuple[str, ...] = ()  # "chat", "agents": the roles whose GGUF file it is

    def to_dict(self) -> dict[str, object]:
        m, e = self.model, self.estimate
        return {
            "name": m.name,
            "title": m.title,
            "hub_file": m.hub_file,
            "revision": m.revision,
            "sha256": m.sha256,
            "download_bytes": m.approx_bytes,
            "memory_bytes": e.memory_bytes,
            "fit": e.fit,
            "writing_tokens_per_s": _round(e.generate_tps),
            "reading_tokens_per_s": _round(e.prompt_tps),
            "licence": m.licence,
            "licence_url": m.licence_url,
            "note": m.note,
            "downloaded": bool(self.installed and not self.installed.partial),
            "partial_bytes": self.installed.size
            if self.installed and self.installed.partial
            else 0,
            "recommended": self.recommended,
            "used_for": list(self.used_for),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1 if value < 10 else 0)


@dataclass(frozen=True)
class CatalogView:
    machine: Machine
    speed: Speed | None  # the bundled model measured here
    context_tokens: int
    rows: tuple[CatalogRow, ...]
    recommendation: Recommendation
    folder: Path

    def to_dict(self) -> dict[str, object]:
        return {
            "machine": self.machine.to_dict(),
            "measured": None
            if self.speed is None
            else {
                "model": "bundled SmolLM2-135M",
                "reading_tokens_per_s": round(self.speed.prompt_tps, 1),
                "writing_tokens_per_s": round(self.speed.generate_tps, 1),
                "threads": self.speed.threads,
            },
            "context_tokens": self.context_tokens,
            "models": [row.to_dict() for row in self.rows],
            "recommended": self.recommendation.name,
            "recommended_title": self.recommendation.title,
            "why": self.recommendation.reason,
            "folder": str(self.folder),
        }


class ModelManager:
    def __init__(self, paths: Paths, settings: Callable[[], Settings]) -> None:
        self.paths = paths
        self._settings = settings
        self._speed_lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return library.models_folder(self.paths, self._settings().model.models_folder)

    # -- the catalogue ----------------------------------------------------------------------
    def speed(self, again: bool = False, measure: bool = True) -> Speed | None:

        with self._speed_lock:  # one measurement at a time (the GUI and a CLI call)
            return speed.this_machine(self.paths.cache, again=again, measure=measure)

    def catalog(self, *, measure_again: bool = False, measure: bool = True) -> CatalogView:
        """`measure` off: the remembered speed only (instant), estimates left out without."""

        machine = this_machine()
        speed = self.speed(measure_again, measure) if machine.runs_llama_cpp else None
        settings = self._settings()
        context = max(settings.model.context_tokens, 4_096)  # a stronger model gets more
        pick = catalog.recommend(machine, speed, context, catalog.CATALOG)
        here = {m.filename: m for m in library.installed(self.folder)}
        rows = tuple(
            CatalogRow(
                entry,
                catalog.estimate(entry, machine, speed, context),
                here.get(entry.filename),
                entry.name == pick.name,
                self._used_for(settings, here.get(entry.filename)),
            )
            for entry in catalog.CATALOG
        )
        return CatalogView(machine, speed, context, rows, pick, self.folder)

    @staticmethod
    def _used_for(settings: Settings, model: LocalModel | None) -> tuple[str, ...]:
        if model is None or model.partial:
            return ()
        path, roles = model.path.resolve(), []
        chat = settings.model.backend == "gguf" and Path(settings.model.path).resolve() == path
        if chat:
            roles.append("chat")
        agents = settings.agents_model
        if (agents.backend == "same" and chat) or (
            agents.backend == "gguf" and Path(agents.path).resolve() == path
        ):
            roles.append("agents")
        return tuple(roles)

    # -- files ------------------------------------------------------------------------------
    def download(
        self,
        spec: str,
        *,
        sha256: str | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Downloaded:

        source = parse(spec, sha256=sha256)
        downloader = Downloader(self.folder)
        try:
            return downloader.fetch(source, on_progress, cancel)
        finally:
            downloader.close()

    def installed(self) -> list[LocalModel]:
        return library.installed(self.folder)

    def remove(self, name: str, in_use: set[Path]) -> list[Path]:
        return library.remove(self.folder, name, in_use)

    # -- servers ----------------------------------------------------------------------------
    def servers(self) -> list[discovery.FoundServer]:
        return discovery.find_servers(self._settings().model.server_ports)
