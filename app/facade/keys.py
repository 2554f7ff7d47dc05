"""Keys and backups: the passphrase, the OS keyring, encrypted backups, integrity."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from app.backup import export_backup, import_backup
from app.facade.config import Config
from app.rekey import setup_lock
from app.security import unlock
from app.security.keys import Keyfile
from app.store.db import Database
from app.store.writer import Writer

log = logging.getLogger(__name__)


class KeyService:
    """Holds the unlocked keyfile and data key; nothing else sees the data key."""

    def __init__(
        self,
        config: Config,
        database: Database,
        writer: Writer,
        keyfile: Keyfile,
        data_key: bytes,
        passphrase: str | None,
        reindex: Callable[[], int],
    ) -> None:
        self._config = config
        self._database = database
        self._writer = writer
        self._keyfile = keyfile
        self._data_key = data_key
        self._passphrase = passphrase
        self._reindex = reindex

    @property
    def keyfile(self) -> Keyfile:
        return self._keyfile

    @property
    def data_key(self) -> bytes:
        return self._data_key

    @property
    def passphrase(self) -> str | None:
        """The passphrase this store was unlocked with, if it was given (None: the keyring)."""
        return self._passphrase

    def check_passphrase(self, passphrase: str) -> None:
        """Raise `WrongPassphrase` unless `passphrase` opens this store (asked again before a
        high-sensitivity secret leaves)."""
        self._keyfile.unlock(passphrase)

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key under a new passphrase, atomically; no record is touched. Under
        the set-up lock, as the keyfile's other writers are."""
        with setup_lock(self._config.paths.data):
            self._keyfile = self._keyfile.rewrap(old, new)
        self._passphrase = new
        log.info("passphrase changed")

    def set_keyring(self, enabled: bool) -> None:
        if enabled:
            unlock.keyring_set(self._keyfile.install_id, self._data_key)
        else:
            unlock.keyring_delete(self._keyfile.install_id)
        self._config.save(self._config.settings.with_value("security.use_keyring", enabled))

    def export_backup(self, path: str | os.PathLike[str], passphrase: str) -> dict[str, int]:
        return export_backup(self._writer.repo, Path(path), passphrase)

    def import_backup(self, path: str | os.PathLike[str], passphrase: str) -> dict[str, int]:
        result = import_backup(self._writer, Path(path), passphrase)
        self._reindex()
        return result

    def integrity(self, *, quick: bool = False) -> list[str]:
        return self._database.integrity_check(quick=quick)
