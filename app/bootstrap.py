"""The composition root: the one place real adapters are built and wired into the facade."""

from __future__ import annotations

import logging
import os
from typing import Any

from app import logs, rekey
from app.core import Memloci, Services
from app.errors import ConfigError, MemlociError
from app.llm.factory import API_KEY_META, ModelRuntime
from app.paths import Paths
from app.privacy import keep_local
from app.rekey import StoreUse, setup_lock
from app.search import build_retriever
from app.security import unlock
from app.security.cipher import FieldCipher
from app.security.hardening import protect_process
from app.security.keys import Keyfile, subkey
from app.settings import Settings
from app.store.db import Database
from app.store.memories import MemoryRepository
from app.store.migrations import migrate
from app.store.queue import WorkQueue

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


def build(
    home: str | os.PathLike[str] | None = None,
    passphrase: str | None = None,
    *,
    prompt: unlock.Prompt | None = None,
    create: bool = True,
    paths: Paths | None = None,
) -> Memloci:
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
        repo = MemoryRepository(database, FieldCipher(subkey(data_key, "vault")))
        services = Services(
            paths=paths,
            settings=settings,
            keyfile=keyfile,
            data_key=data_key,
            database=database,
            repo=repo,
            retriever=build_retriever(paths, settings, repo, data_key),
            queue=WorkQueue(database),
            passphrase=known_passphrase,
        )
        # The language model: chosen in settings, loaded on first use (issue 4).
        services.llm = ModelRuntime(
            settings.model,
            api_key=lambda: database.scalar(
                "SELECT value FROM meta WHERE key = ?", (API_KEY_META,)
            ),
        )
        services.extras.setdefault("closers", []).append(services.llm.close)
        # Hybrid search (issue 3): its background indexer stops before the database closes.
        services.extras["closers"].append(services.retriever.close)
        services.capture = build_capture(services)
        services.extras["after_close"] = [use.release]
    except BaseException:
        database.close()
        use.release()
        raise
    memloci = Memloci(services)
    # Capture records sessions through the facade; it stops before the database closes.
    services.capture.sessions.attach(memloci)
    memloci.memory_forgotten.connect(services.capture.forgotten)
    services.extras["closers"].insert(0, lambda: services.capture.stop(drain_seconds=5))
    return memloci


def build_capture(
    services: Services,
    *,
    platform: Any = None,
    grabber: Any = None,
    ocr: Any = None,
) -> Any:
    """Screen capture (issue 5). Cheap to build: the display, mss, tesseract and numpy are
    touched only when capture runs, on the threads that use them. Tests pass factories of fakes
    (written against the same protocols) for `platform`, `grabber` and `ocr`."""
    from app.capture.desktop import capture_grabber, capture_platform
    from app.capture.service import CaptureService
    from app.capture.sessions import SessionManager
    from app.capture.store import CaptureStore

    store = CaptureStore(services.database)
    frames_cipher = FieldCipher(subkey(services.data_key, "frames"))

    def settings() -> Any:
        return services.settings.capture

    def screen_grabber() -> Any:
        # mss on X11; on Wayland screencopy or the screen-sharing portal, whose restore token
        # (a standing permission) is kept in the encrypted store (issue 22).
        return capture_grabber(
            token=lambda: store.state().get("portal_restore_token", ""),
            keep_token=lambda value: store.set_state({"portal_restore_token": value or None}),
        )

    def tesseract() -> Any:
        from app.capture.ocr import TesseractOcr

        return TesseractOcr(settings().ocr_languages, settings().ocr_scale)

    def vault() -> Any:
        from app.capture.retention import FrameVault

        return FrameVault(services.paths.data / "frames", frames_cipher, store)

    return CaptureService(
        store=store,
        sessions=SessionManager(store, services.queue, settings),
        queue=services.queue,
        settings=settings,
        lock_path=services.paths.data / "capture.lock",
        platform=platform or (lambda: capture_platform(settings())),
        grabber=grabber or screen_grabber,
        ocr=ocr or tesseract,
        vault=vault,
    )
