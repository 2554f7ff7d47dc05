"""The settings in force, shared by the areas that read them and the ones that change them."""

from __future__ import annotations

from app.paths import Paths
from app.settings import Settings


class Config:
    """Settings are immutable values: saving one replaces it here and in the file, so every
    area reading `config.settings` sees the new one."""

    def __init__(self, paths: Paths, settings: Settings) -> None:
        self.paths = paths
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings

    def save(self, settings: Settings) -> None:
        settings.save(self.paths.settings_file)
        self._settings = settings
