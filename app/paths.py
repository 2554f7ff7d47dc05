"""Where Memloci keeps its files: one place decides, `MEMLOCI_HOME` overrides everything."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "memloci"


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
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)

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
