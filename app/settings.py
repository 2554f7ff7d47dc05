"""Typed settings, saved as TOML in the config folder with a schema version.

Settings hold preferences only, never memory text. Each area of the app owns one section model;
unknown keys from a newer version are ignored on load (and kept out on save).
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import ConfigError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


class Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class SecuritySettings(Section):
    use_keyring: bool = False
    """Keep the data key in the OS keyring so the store opens without typing the passphrase."""


class StoreSettings(Section):
    busy_timeout_ms: int = Field(default=5_000, ge=0, le=600_000)


class SearchSettings(Section):
    default_limit: int = Field(default=10, ge=1, le=1_000)


class Settings(Section):
    schema_version: int = SCHEMA_VERSION
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)

    # -- files --------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"Cannot read the settings file {path}: {error}.") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: {error}. Fix the file or delete it for defaults.") from None
        return cls.from_dict(raw, origin=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], origin: str = "settings") -> Settings:
        version = raw.get("schema_version", SCHEMA_VERSION)
        if isinstance(version, int) and version > SCHEMA_VERSION:
            log.warning(
                "settings schema %s is newer than %s; unknown keys ignored", version, SCHEMA_VERSION
            )
        raw = {**raw, "schema_version": SCHEMA_VERSION}
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise ConfigError(f"{origin}: {where}: {first.get('msg')}.") from None

    def save(self, path: Path) -> None:
        import tomli_w

        from app.security.keys import write_atomic

        body = tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))
        write_atomic(path, body.encode("utf-8"))

    # -- dotted access for `memloci config get/set` ---------------------------------------------
    def get_path(self, dotted: str) -> Any:
        node: Any = self
        for part in dotted.split("."):
            if not isinstance(node, BaseModel) or part not in type(node).model_fields:
                raise ConfigError(f"There is no setting {dotted!r}.")
            node = getattr(node, part)
        return node.model_dump(mode="json") if isinstance(node, BaseModel) else node

    def with_value(self, dotted: str, value: Any) -> Settings:
        """A copy with one setting changed and validated."""
        data = self.model_dump(mode="json")
        node = data
        parts = dotted.split(".")
        self.get_path(dotted)  # raises for unknown names
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
        return Settings.from_dict(data, origin=dotted)
