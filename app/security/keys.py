"""Keys: the passphrase unlocks a random data key; sub-keys for each use derive from it.

    passphrase --Argon2id(salt)--> key-encryption key --AES-GCM--> data key (random, 32 bytes)
    data key --HKDF--> database key, vault key, vector key, backup key, ...

The keyfile holds the KDF parameters, the salt and the wrapped data key: nothing about memories.
A wrong passphrase fails the AES-GCM tag check before the database is touched. Changing the
passphrase re-wraps the data key in one atomic file replace, so no record can be lost by it;
replacing the data key itself rewrites the store (`app.rekey`). The keyfile also carries a check
value of the data key (an HMAC under a sub-key, which tells nothing of the key), so a key kept in
the OS keyring that no longer fits is noticed before the database is touched.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import ConfigError, DiskFull, InvalidInput, WrongPassphrase

KEYFILE_VERSION = 1
MIN_PASSPHRASE = 8

# Argon2id, OWASP's first recommended profile is m=47 MiB t=1; we spend a little more.
DEFAULT_KDF = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 1}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def derive_kek(passphrase: str, salt: bytes, params: dict[str, Any]) -> bytes:
    """The key-encryption key from the passphrase (Argon2id or scrypt, per the keyfile)."""
    secret = passphrase.encode("utf-8")
    if params["name"] == "argon2id":
        from argon2.low_level import Type, hash_secret_raw

        return hash_secret_raw(
            secret,
            salt,
            time_cost=int(params["time_cost"]),
            memory_cost=int(params["memory_cost"]),
            parallelism=int(params["parallelism"]),
            hash_len=32,
            type=Type.ID,
        )
    if params["name"] == "scrypt":
        import hashlib

        return hashlib.scrypt(
            secret,
            salt=salt,
            n=int(params["n"]),
            r=int(params["r"]),
            p=int(params["p"]),
            maxmem=256 * 1024 * 1024,
            dklen=32,
        )
    raise ConfigError(f"The keyfile names an unknown key derivation {params['name']!r}.")


def subkey(data_key: bytes, purpose: str) -> bytes:
    """An independent 32-byte key for one purpose ("database", "vault", "vectors", ...)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"memloci/" + purpose.encode()
    ).derive(data_key)


def key_check_value(data_key: bytes, install_id: str) -> bytes:
    """16 bytes that identify a data key without revealing anything about it."""
    return hmac.new(subkey(data_key, "key-check"), install_id.encode(), hashlib.sha256).digest()[
        :16
    ]


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
    try:
        passphrase.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("The passphrase is not valid UTF-8 text.") from None


@dataclass(frozen=True)
class Keyfile:
    """The on-disk envelope around the data key."""

    path: Path
    install_id: str
    kdf: dict[str, Any]
    salt: bytes
    nonce: bytes
    wrapped: bytes
    check: bytes | None = None  # key_check_value(data key); absent in keyfiles before 0.2

    # -- creation and storage -----------------------------------------------------------------
    @classmethod
    def create(
        cls, path: Path, passphrase: str, kdf: dict[str, Any] | None = None
    ) -> tuple[Keyfile, bytes]:
        """A new install: a fresh data key wrapped under the passphrase. Returns the data key."""
        check_new_passphrase(passphrase)
        data_key = secrets.token_bytes(32)
        keyfile = cls._wrap(path, secrets.token_hex(8), passphrase, data_key, kdf or DEFAULT_KDF)
        keyfile.save()
        return keyfile, data_key

    @classmethod
    def _wrap(
        cls, path: Path, install_id: str, passphrase: str, data_key: bytes, kdf: dict[str, Any]
    ) -> Keyfile:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = derive_kek(passphrase, salt, kdf)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, install_id.encode())
        check = key_check_value(data_key, install_id)
        return cls(path, install_id, dict(kdf), salt, nonce, wrapped, check)

    @classmethod
    def load(cls, path: Path) -> Keyfile:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != KEYFILE_VERSION:
                raise ConfigError(
                    f"The keyfile {path} has version {raw.get('version')}; "
                    "this Memloci reads version 1. Update Memloci."
                )
            return cls(
                path,
                raw["install_id"],
                raw["kdf"],
                _unb64(raw["salt"]),
                _unb64(raw["nonce"]),
                _unb64(raw["wrapped_key"]),
                _unb64(raw["key_check"]) if raw.get("key_check") else None,
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigError(
                f"The keyfile {path} is unreadable ({error.__class__.__name__}); restore it from "
                "a backup of the data folder, or import a Memloci backup into a new store."
            ) from None

    def save(self, path: Path | None = None) -> None:
        """Atomic replace: write a sibling, fsync, rename, fsync the folder. `path` writes the
        same content elsewhere (a key change stages its new keyfile beside the current one)."""
        fields: dict[str, Any] = {
            "version": KEYFILE_VERSION,
            "install_id": self.install_id,
            "kdf": self.kdf,
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped),
        }
        if self.check is not None:
            fields["key_check"] = _b64(self.check)
        write_atomic(path or self.path, json.dumps(fields, indent=2).encode("utf-8"))

    def fits(self, data_key: bytes) -> bool:
        """Whether `data_key` is the key this keyfile wraps (True when the keyfile is too old
        to say)."""
        if self.check is None:
            return True
        return hmac.compare_digest(self.check, key_check_value(data_key, self.install_id))

    # -- use ----------------------------------------------------------------------------------
    def unlock(self, passphrase: str) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        kek = derive_kek(passphrase, self.salt, self.kdf)
        try:
            return AESGCM(kek).decrypt(self.nonce, self.wrapped, self.install_id.encode())
        except InvalidTag:
            raise WrongPassphrase("Wrong passphrase: the memory store stays locked.") from None

    def rewrap(self, old_passphrase: str, new_passphrase: str) -> Keyfile:
        """Change the passphrase. The data key (and so every record) stays the same."""
        check_new_passphrase(new_passphrase)
        data_key = self.unlock(old_passphrase)
        new = self._wrap(self.path, self.install_id, new_passphrase, data_key, self.kdf)
        new.save()
        return new

    def with_new_key(self, passphrase: str, data_key: bytes) -> Keyfile:
        """The same install wrapping another data key under `passphrase` (not yet saved)."""
        check_new_passphrase(passphrase)
        return self._wrap(self.path, self.install_id, passphrase, data_key, self.kdf)


def write_atomic(path: Path, body: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        tmp.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise DiskFull(
                f"The disk holding {path.parent} is full, so {path.name} was not changed. "
                "Free some space and try again."
            ) from None
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make renames and new names in `folder` durable (a no-op where folders cannot be opened)."""
    if os.name == "nt":  # pragma: no cover - Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
