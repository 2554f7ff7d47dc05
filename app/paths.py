"""Where Memloci keeps its files: one place decides, `MEMLOCI_HOME` overrides everything.

Also how they are created: private from the start (folders 0700, files 0600), whatever the
umask, since every one of them holds or reveals personal data.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

APP_NAME = "memloci"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
# Never follow a symlink planted where a new file is about to be made; bytes as written
# (Windows would translate newlines on a descriptor opened without O_BINARY).
_NEW_FILE = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


def private_folder(folder: Path) -> None:
    """Create `folder` and any missing parents as 0700 (mkdir's mode is still cut by the
    umask, which can only make it stricter); an existing folder of ours that others can enter
    is closed, with a line in the log."""
    missing = [folder, *folder.parents]
    missing = [p for p in missing if not p.exists()]
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made meanwhile by another process
            pass
    if os.name != "posix":  # pragma: no cover - Windows: the profile folder is private
        return
    info = folder.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        os.chmod(folder, PRIVATE_FOLDER)
        log.info("closed %s to other users (was %o)", folder, stat.S_IMODE(info.st_mode))


def create_private(path: Path) -> int:
    """A new file at `path`, open for writing, mode 0600 from its creation. A symlink or a
    leftover file at that name (a crashed earlier write) is removed, never followed."""
    try:
        return os.open(path, _NEW_FILE, PRIVATE_FILE)
    except FileExistsError:  # O_EXCL refuses a symlink too, without following it
        path.unlink()
        return os.open(path, _NEW_FILE, PRIVATE_FILE)


@dataclass(frozen=True)
class Paths:
    """The four folders Memloci writes to. Nothing is created until `ensure()` is called."""

    data: Path
    config: Path
    cache: Path
    logs: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Paths:
        """`home` (or `$MEMLOCI_HOME`) puts every folder under one path; otherwise platformdirs."""
        # An empty value (MEMLOCI_HOME="") means "not set", never the current folder.
        home = str(home) if home not in (None, "") else os.environ.get("MEMLOCI_HOME") or None
        if home:
            root = Path(home).expanduser().resolve()
            return cls(root / "data", root / "config", root / "cache", root / "logs")
        import platformdirs

        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            Path(dirs.user_data_dir),
            Path(dirs.user_config_dir),
            Path(dirs.user_cache_dir),
            Path(dirs.user_log_dir),
        )

    def ensure(self) -> None:
        for folder in (self.data, self.config, self.cache, self.logs):
            private_folder(folder)

    @property
    def database(self) -> Path:
        return self.data / "memloci.db"

    @property
    def keyfile(self) -> Path:
        return self.data / "keyfile.json"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.toml"

    @property
    def vectors(self) -> Path:
        return self.data / "vectors"

    @property
    def log_file(self) -> Path:
        return self.logs / "memloci.log"
