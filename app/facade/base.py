"""What the facade's area classes share: the adapters (`Services`) and the accessors they use.

`app.core.Memloci` is the one facade; its methods are grouped by area in this package
(`views`, `autofill`, `capture`, `agents`, `retrieval`) and combined by inheritance, so every
driver still calls one object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.paths import Paths
from app.retrieval import Retriever
from app.security.keys import Keyfile
from app.settings import Settings
from app.store.db import Database
from app.store.memories import MemoryRepository
from app.store.queue import WorkQueue


@dataclass
class Services:
    """What `bootstrap` hands the facade. Later parts (models, capture) add their adapters."""

    paths: Paths
    settings: Settings
    keyfile: Keyfile
    data_key: bytes
    database: Database
    repo: MemoryRepository
    retriever: Retriever
    queue: WorkQueue
    passphrase: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    autofill: Any = None  # app.autofill.service.AutofillService, built on first use
    llm: Any = None  # app.llm.factory.ModelRuntime (bootstrap); the model loads on first use
    agents_llm: Any = None  # the agents' own ModelRuntime (issue 18); "same" uses `llm`
    models: Any = None  # app.llm.manager.ModelManager, built on first use
    agents: Any = None  # app.agents.service.AgentService, built on first use
    capture: Any = None  # app.capture.service.CaptureService (bootstrap); adapters on first use


class FacadeBase:
    """The state every area reaches: the adapters, the paths and the settings."""

    _s: Services

    @property
    def paths(self) -> Paths:
        return self._s.paths

    @property
    def settings(self) -> Settings:
        return self._s.settings

    # Services built on first use (API worker threads may ask at the same time). Reentrant: one
    # service's constructor may reach for another.
    _build_lock = threading.RLock()

    def _built(self, name: str, build: Callable[[], Any]) -> Any:
        """`Services.<name>`, built by `build()` the first time it is needed."""
        with self._build_lock:
            if getattr(self._s, name) is None:
                setattr(self._s, name, build())
        return getattr(self._s, name)
