"""The composition root: the one place real adapters are built and wired into the facade's
areas (`Parts`); `app.core.Memloci.open` calls `build_parts`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app import logs, rekey
from app.errors import ConfigError, MemlociError
from app.facade.clients import ClientService
from app.facade.config import Config
from app.facade.conversations import ConversationService
from app.facade.data import DataService
from app.facade.entities import EntityService
from app.facade.keys import KeyService
from app.facade.lazy import Lazy
from app.facade.memories import MemoryService
from app.facade.models import ModelService
from app.facade.search import SearchService
from app.facade.views import ViewService
from app.llm.factory import AGENTS_API_KEY_META, API_KEY_META, ModelRuntime
from app.paths import Paths
from app.privacy import keep_local
from app.rekey import StoreUse, setup_lock
from app.retrieval import Retriever
from app.search import build_retriever
from app.security import unlock
from app.security.cipher import FieldCipher
from app.security.hardening import protect_process
from app.security.keys import Keyfile, subkey
from app.settings import CaptureSettings, Settings
from app.store.clients import ClientRegistry
from app.store.conversations import ConversationStore
from app.store.db import Database
from app.store.memories import MemoryRepository
from app.store.migrations import migrate
from app.store.queue import WorkQueue
from app.store.tokens import api_token
from app.store.writer import Writer

if TYPE_CHECKING:  # built lazily below; only their types are needed here
    from app.agents.service import AgentService
    from app.autofill.service import AutofillService
    from app.capture.grab import Grabber
    from app.capture.ocr import OcrEngine
    from app.capture.platforms import Platform
    from app.capture.retention import FrameVault
    from app.capture.service import CaptureService

log = logging.getLogger(__name__)


def unlock_key(
    paths: Paths,
    settings: Settings,
    passphrase: str | None,
    prompt: unlock.Prompt | None,
    create: bool,
    use: StoreUse | None = None,
) -> tuple[Keyfile, bytes, str | None]:
    """The data key: from the passphrase (argument, environment, prompt) or the keyring.

    Under the set-up lock (two processes creating one store must not write two keyfiles): an
    interrupted key change is finished or undone first, and `use` marks the store open, so a
    key change cannot start under it."""
    protect_process()  # the data key is about to be in this process's memory
    with setup_lock(paths.data):
        rekey.recover(paths)
        if use is not None:
            use.share()
        if not paths.keyfile.exists():
            if paths.database.exists():
                raise ConfigError(
                    f"The keyfile {paths.keyfile} is missing, so the database cannot be opened. "
                    "Restore the keyfile from a copy of the data folder."
                )
            if not create:
                raise ConfigError(
                    f"There is no memory store in {paths.data}; run `memloci init` to create one."
                )
            passphrase = passphrase or unlock.env_passphrase()
            if passphrase is None:
                passphrase = unlock.require(prompt, "Choose a passphrase for your memory", True)
            keyfile, data_key = Keyfile.create(paths.keyfile, passphrase)
            log.info("created a new store in %s", paths.data)
            return keyfile, data_key, passphrase
    keyfile = Keyfile.load(paths.keyfile)
    passphrase = passphrase or unlock.env_passphrase()
    stale_keyring = False
    if passphrase is None and settings.security.use_keyring:
        stored = unlock.keyring_get(keyfile.install_id)
        if stored is not None and keyfile.fits(stored):
            return keyfile, stored, None
        if stored is not None:
            # The data key was replaced while the keyring kept the old one.
            log.warning("the key in the OS keyring is not this store's key; asking instead")
            unlock.keyring_delete(keyfile.install_id)
            stale_keyring = True
    if passphrase is None:
        passphrase = unlock.require(prompt, "Passphrase", False)
    data_key = keyfile.unlock(passphrase)
    if not keyfile.digested or keyfile.check is None:
        keyfile = _complete(paths, keyfile, data_key)
    if stale_keyring:
        try:
            unlock.keyring_set(keyfile.install_id, data_key)
        except ConfigError:
            log.warning("the OS keyring refused the key; the passphrase unlocks the store")
    return keyfile, data_key, passphrase


def _complete(paths: Paths, keyfile: Keyfile, data_key: bytes) -> Keyfile:
    """Give a keyfile written before 0.2 its digest and key check (the wrapping is unchanged),
    so later damage or edits are told apart from a wrong passphrase. Under the set-up lock, and
    only if the file is still the one just unlocked (a passphrase change elsewhere wins)."""
    try:
        with setup_lock(paths.data):
            if Keyfile.load(paths.keyfile) != keyfile:
                return keyfile
            completed = keyfile.completed(data_key)
            completed.save()
            log.info("added a digest to the keyfile")
            return completed
    except (OSError, MemlociError) as error:
        log.warning("the keyfile could not be completed: %s", error.__class__.__name__)
        return keyfile


@dataclass
class Parts:
    """What the composition root built, for the facade (`app.core.Memloci`) only: the area
    services it is composed of, and the shared pieces they were given. Nothing below the
    facade receives this."""

    config: Config
    database: Database
    repo: MemoryRepository
    writer: Writer
    retriever: Retriever
    queue: WorkQueue
    llm: ModelRuntime  # the chat model
    agents_llm: ModelRuntime  # the agents' own (issue 18); unbuilt while they share chat's
    keys: KeyService
    memories: MemoryService
    search: SearchService
    views: ViewService
    models: ModelService
    clients: ClientService
    agents: Lazy[AgentService]
    autofill: Lazy[AutofillService]
    capture: CaptureService
    data: DataService
    conversations: ConversationService
    entities: EntityService
    closers: list[Callable[[], object]] = field(default_factory=list)
    after_close: list[Callable[[], object]] = field(default_factory=list)

    def api_token(self, *, rotate: bool = False) -> str:
        return api_token(self.database, rotate=rotate)

    def close(self) -> None:
        for closer in self.closers:
            try:
                closer()
            except Exception:  # closing must go on for the rest
                log.exception("closing %s failed", closer)
        self.database.close()
        for closer in self.after_close:
            closer()  # the store's in-use lock: released once nothing holds the database


def build_parts(
    home: str | os.PathLike[str] | None = None,
    passphrase: str | None = None,
    *,
    prompt: unlock.Prompt | None = None,
    create: bool = True,
    paths: Paths | None = None,
) -> Parts:
    """Unlock the store and build every area (cheap: models, indexes and the display are
    touched on first use)."""
    keep_local()  # before any adapter loads a library that phones home (app.core used directly)
    paths = paths or Paths.resolve(home)
    paths.ensure()
    logs.setup(paths)
    settings = Settings.load(paths.settings_file)
    use = StoreUse(paths.data)
    try:
        keyfile, data_key, known_passphrase = unlock_key(
            paths, settings, passphrase, prompt, create, use
        )
        database = Database(
            paths.database,
            subkey(data_key, "database"),
            busy_timeout_ms=settings.store.busy_timeout_ms,
        )
    except BaseException:
        use.release()
        raise
    try:
        migrate(database)
        parts = assemble(paths, settings, database, keyfile, data_key, known_passphrase)
    except BaseException:
        database.close()
        use.release()
        raise
    parts.after_close.append(use.release)
    return parts


def assemble(
    paths: Paths,
    settings: Settings,
    database: Database,
    keyfile: Keyfile,
    data_key: bytes,
    passphrase: str | None,
) -> Parts:
    """Wire the areas over an open, migrated store."""
    config = Config(paths, settings)
    repo = MemoryRepository(database, FieldCipher(subkey(data_key, "vault")))
    retriever = build_retriever(paths, settings, repo, data_key)
    writer = Writer(database, repo, retriever)
    queue = WorkQueue(database)
    search = SearchService(config, database, writer, queue, retriever)
    keys = KeyService(config, database, writer, keyfile, data_key, passphrase, search.reindex)
    memories = MemoryService(config, repo, writer, keys)
    # The language models: chosen in settings, loaded on first use (issue 4). The agents' own
    # (issue 18) is built only when they do not share the chat model.
    runtime = ModelRuntime(
        settings.model,
        api_key=lambda: database.scalar("SELECT value FROM meta WHERE key = ?", (API_KEY_META,)),
    )
    agents_runtime = ModelRuntime(
        settings.agents_model,
        api_key=lambda: database.scalar(
            "SELECT value FROM meta WHERE key = ?", (AGENTS_API_KEY_META,)
        ),
    )
    models = ModelService(config, database, runtime, agents_runtime)

    def agents() -> AgentService:
        # Deferred: the agents pull in the managers, extractors and llama.cpp glue (~0.4 s),
        # which `memloci add` or `search` never need.
        from app.agents.service import AgentService

        return AgentService(
            settings=lambda: config.settings,
            repo=repo,
            writer=writer,
            queue=queue,
            retriever=retriever,
            runtime=runtime,
            agents_runtime=agents_runtime,
            model_info=models.info,
            similarity=retriever.similarity,
        )

    def autofill() -> AutofillService:
        # Deferred: field matching and fact tables load only for autofill (~0.2 s).
        from app.autofill.service import AutofillService

        return AutofillService(
            settings=lambda: config.settings,
            settings_file=paths.settings_file,
            repo=repo,
            search=lambda query, limit: search.search(query, limit=limit),
            check_passphrase=keys.check_passphrase,
        )

    capture = build_capture(config, database, queue, writer, data_key)
    writer.changed.connect(capture.on_changes)
    lazy_agents = Lazy(agents)
    parts = Parts(
        config=config,
        database=database,
        repo=repo,
        writer=writer,
        retriever=retriever,
        queue=queue,
        llm=runtime,
        agents_llm=agents_runtime,
        keys=keys,
        memories=memories,
        search=search,
        views=ViewService(config, database, repo),
        models=models,
        clients=ClientService(ClientRegistry(database), repo),
        agents=lazy_agents,
        autofill=Lazy(autofill),
        capture=capture,
        data=DataService(
            config, repo, memories, keys, retriever, capture, ConversationStore(database)
        ),
        conversations=ConversationService(database, repo, writer, lazy_agents),
        entities=EntityService(repo, writer),
    )
    # Capture stops first (it writes), then the model and the background indexer, before
    # the database closes.
    parts.closers += [
        lambda: parts.capture.stop(drain_seconds=5),
        runtime.close,
        agents_runtime.close,
        retriever.close,
    ]
    return parts


def build_capture(
    config: Config,
    database: Database,
    queue: WorkQueue,
    writer: Writer,
    data_key: bytes,
    *,
    platform: Callable[[], Platform] | None = None,
    grabber: Callable[[], Grabber] | None = None,
    ocr: Callable[[], OcrEngine] | None = None,
) -> CaptureService:
    """Screen capture (issue 5). Cheap to build: the display, mss, tesseract and numpy are
    touched only when capture runs, on the threads that use them. Tests pass factories of fakes
    (written against the same protocols) for `platform`, `grabber` and `ocr`."""
    # Deferred: capture's modules import numpy and the OCR reader; a process that never
    # captures (the CLI) builds this service without paying for them until it starts.
    from app.capture.detect import capture_grabber, capture_platform
    from app.capture.service import CaptureService
    from app.capture.sessions import SessionManager
    from app.capture.store import CaptureStore

    store = CaptureStore(database)
    frames_cipher = FieldCipher(subkey(data_key, "frames"))

    def settings() -> CaptureSettings:
        return config.settings.capture

    def screen_grabber() -> Grabber:
        # mss on X11; on Wayland screencopy or the screen-sharing portal, whose restore token
        # (a standing permission) is kept in the encrypted store (issue 22).
        return capture_grabber(
            token=lambda: store.state().get("portal_restore_token", ""),
            keep_token=lambda value: store.set_state({"portal_restore_token": value or None}),
        )

    def tesseract() -> OcrEngine:
        from app.capture.ocr import TesseractOcr  # numpy and the tesseract pipe

        return TesseractOcr(settings().ocr_languages, settings().ocr_scale)

    def vault() -> FrameVault:
        from app.capture.retention import FrameVault  # Pillow, for WebP frames

        return FrameVault(config.paths.data / "frames", frames_cipher, store)

    return CaptureService(
        store=store,
        sessions=SessionManager(store, queue, settings, writer),
        queue=queue,
        settings=settings,
        lock_path=config.paths.data / "capture.lock",
        platform=platform or (lambda: capture_platform(settings())),
        grabber=grabber or screen_grabber,
        ocr=ocr or tesseract,
        vault=vault,
    )
