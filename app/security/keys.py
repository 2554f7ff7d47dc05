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
import dataclasses
import errno
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import ConfigError, DamagedKeyfile, DiskFull, InvalidInput, WrongPassphrase

KEYFILE_VERSION = 1
MIN_PASSPHRASE = 8

# Argon2id, OWASP's first recommended profile is m=47 MiB t=1; we spend a little more.
DEFAULT_KDF = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 1}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# What a file may ask of the key derivation. Every store and backup made so far uses DEFAULT_KDF
# (3 passes over 64 MiB: 192 MiB-passes) or the tests' 1 pass over 8 KiB; the ceilings leave room
# for stronger settings (up to 1 GiB of memory, 1 GiB-passes of work: ~5 s on a slow laptop) but
# stop a hostile file from hanging Memloci (50,000,000 passes) or asking for 4 TiB of memory.
ARGON2_LIMITS = {
    "time_cost": (1, 10, "number of key-derivation passes"),
    "memory_cost": (8, 1 << 20, "key-derivation memory (KiB)"),
    "parallelism": (1, 16, "number of key-derivation lanes"),
}
ARGON2_MAX_WORK = 1 << 20  # time_cost x memory_cost, in KiB-passes
SCRYPT_LIMITS = {"n": (2, 1 << 20), "r": (1, 32), "p": (1, 16)}  # never written; still read
SCRYPT_MAX_BYTES = 256 << 20  # 128 x n x r x p
SALT_BYTES = (8, 64)


class KdfRefused(ValueError):
    """Key-derivation parameters no Memloci writes; the message is the reason, for a sentence."""


def _whole(params: dict[str, Any], name: str, low: int, high: int, what: str) -> int:
    value = params.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise KdfRefused(f"its key derivation's {name} is {type(value).__name__}, not a number")
    if not low <= value <= high:
        raise KdfRefused(f"its {what} is {value:,}; {low:,} to {high:,} are allowed")
    return value


def check_kdf(params: Any) -> dict[str, Any]:
    """The key-derivation parameters of a keyfile or backup header, checked before any work is
    done with them: known algorithm, integer values within the limits above."""
    if not isinstance(params, dict):
        raise KdfRefused(f"its key derivation is {type(params).__name__}, not parameters")
    name = params.get("name")
    if name == "argon2id":
        values = {
            key: _whole(params, key, low, high, what)
            for key, (low, high, what) in ARGON2_LIMITS.items()
        }
        if values["memory_cost"] < 8 * values["parallelism"]:
            raise KdfRefused("its key derivation has less than 8 KiB of memory per lane")
        if values["time_cost"] * values["memory_cost"] > ARGON2_MAX_WORK:
            raise KdfRefused(
                f"its key derivation asks for {values['time_cost']} passes over "
                f"{values['memory_cost'] // 1024:,} MiB, more work than Memloci allows"
            )
        return {"name": name, **values}
    if name == "scrypt":
        values = {
            key: _whole(params, key, low, high, f"scrypt {key}")
            for key, (low, high) in SCRYPT_LIMITS.items()
        }
        if values["n"] & (values["n"] - 1):
            raise KdfRefused("its scrypt cost n is not a power of two")
        if 128 * values["n"] * values["r"] * values["p"] > SCRYPT_MAX_BYTES:
            raise KdfRefused("its scrypt parameters ask for more work than Memloci allows")
        return {"name": name, **values}
    shown = repr(name)[:40] if isinstance(name, str) else type(name).__name__
    raise KdfRefused(f"it names an unknown key derivation {shown}")


def check_salt(salt: bytes) -> bytes:
    low, high = SALT_BYTES
    if not low <= len(salt) <= high:
        raise KdfRefused(f"its salt is {len(salt)} bytes; {low} to {high} are allowed")
    return salt


def derive_kek(passphrase: str, salt: bytes, params: dict[str, Any]) -> bytes:
    """The key-encryption key from the passphrase (Argon2id or scrypt, per the keyfile).
    Parameters are checked first (`KdfRefused`): they come from files that may be hostile."""
    params = check_kdf(params)
    check_salt(salt)
    secret = passphrase.encode("utf-8")
    if params["name"] == "argon2id":
        from argon2.low_level import Type, hash_secret_raw

        return hash_secret_raw(
            secret,
            salt,
            time_cost=params["time_cost"],
            memory_cost=params["memory_cost"],
            parallelism=params["parallelism"],
            hash_len=32,
            type=Type.ID,
        )
    return hashlib.scrypt(
        secret,
        salt=salt,
        n=params["n"],
        r=params["r"],
        p=params["p"],
        maxmem=2 * SCRYPT_MAX_BYTES,
        dklen=32,
    )


def digest_of(fields: dict[str, Any]) -> str:
    """SHA-256 of a file's fields (all but "digest"), in canonical JSON. Not a secret: it tells a
    damaged or altered file from a wrong passphrase, whose AES-GCM failure looks the same."""
    body = {k: v for k, v in fields.items() if k != "digest"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


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
    digested: bool = True  # False: read from a keyfile written before digests (0.2)

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
        """Read and check the keyfile. Anything Memloci would not have written (damage, a
        tampered field, a hostile key-derivation cost) is `DamagedKeyfile`, never a wrong
        passphrase and never a hang."""
        try:
            body = path.read_bytes()
        except OSError as error:
            raise ConfigError(
                f"The keyfile {path} is unreadable ({error.strerror or error}); restore it from "
                "a backup of the data folder, or import a Memloci backup into a new store."
            ) from None
        try:
            raw = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            raise _damaged(path, "it is not JSON") from None
        if not isinstance(raw, dict):
            raise _damaged(path, "it is not a JSON object")
        version = raw.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > 1:
            raise ConfigError(
                f"The keyfile {path} has version {version}; this Memloci reads version "
                f"{KEYFILE_VERSION}. Update Memloci."
            )
        if version != KEYFILE_VERSION:
            raise _damaged(path, "it has no keyfile version")
        digest = raw.get("digest")
        if digest is not None and (not isinstance(digest, str) or digest != digest_of(raw)):
            raise _damaged(path, "its contents do not match its digest")
        install_id = raw.get("install_id")
        if not isinstance(install_id, str) or not 1 <= len(install_id) <= 64:
            raise _damaged(path, "it has no usable install id")
        try:
            kdf = check_kdf(raw.get("kdf"))
        except KdfRefused as error:
            raise _damaged(path, str(error)) from None
        salt = _field(path, raw, "salt", *SALT_BYTES)
        check = _field(path, raw, "key_check", 16, 16) if "key_check" in raw else None
        return cls(
            path,
            install_id,
            kdf,
            salt,
            _field(path, raw, "nonce", 12, 12),
            _field(path, raw, "wrapped_key", 48, 48),  # a 32-byte key and its 16-byte tag
            check,
            digest is not None,
        )

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
        fields["digest"] = digest_of(fields)
        write_atomic(path or self.path, json.dumps(fields, indent=2).encode("utf-8"))

    def completed(self, data_key: bytes) -> Keyfile:
        """This keyfile with what older releases did not write (the digest, the key check),
        for a data key just unwrapped from it."""
        check = self.check or key_check_value(data_key, self.install_id)
        return dataclasses.replace(self, check=check, digested=True)

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


def _damaged(path: Path, reason: str) -> DamagedKeyfile:
    return DamagedKeyfile(
        f"The keyfile {path} is a damaged or hostile file ({reason}); restore it from a backup "
        "of the data folder, or import a Memloci backup into a new store."
    )


def _field(path: Path, raw: dict[str, Any], name: str, low: int, high: int) -> bytes:
    """A base64 field of the keyfile, of `low` to `high` bytes."""
    if name not in raw:
        raise _damaged(path, f"it has no {name}")
    try:
        value = _unb64(raw[name])
    except (ValueError, TypeError, AttributeError):
        raise _damaged(path, f"its {name} is not base64 text") from None
    if not low <= len(value) <= high:
        size = f"{low}" if low == high else f"{low} to {high}"
        raise _damaged(path, f"its {name} is {len(value)} bytes, not {size}")
    return value


def write_atomic(path: Path, body: bytes) -> None:
    """Write `body` to `path` through a sibling file created private (0600, whatever the
    umask; a symlink at the sibling's name is removed, not followed), fsync, rename."""
    from app.paths import create_private, private_folder

    if not path.parent.exists():
        private_folder(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = create_private(tmp)
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
