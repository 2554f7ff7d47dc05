"""Encrypted, versioned backups: `memloci export PATH` and `memloci import-backup PATH`.

File layout:
    b"MEMLOCI-BACKUP\\n"            magic
    header JSON + b"\\n"            format, app version, KDF parameters and salt (no content)
    chunks: u32 length, then nonce(12) || AES-GCM(ciphertext)
            AAD = header bytes || u64 chunk index || u8 final flag
The plaintext inside is zlib-compressed JSON lines: one line per memory with its sources,
history and (re-sealable) vault secret, then one per conversation with Memloci with its turns
(a reader that knows no conversations skips those lines). Truncation, reordering or a wrong
passphrase fail the tag checks. Import merges by id in one transaction: a newer copy wins,
nothing is duplicated.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import secrets
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from app import __version__
from app.domain import to_iso, utcnow
from app.errors import BackupError, DamagedBackup, InvalidInput, WrongPassphrase
from app.paths import create_private
from app.security.keys import (
    DEFAULT_KDF,
    KdfRefused,
    check_kdf,
    check_salt,
    derive_kek,
    digest_of,
    fsync_dir,
)
from app.store.memories import MemoryRepository
from app.store.writer import Initiator, Writer

MAGIC = b"MEMLOCI-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20
HEADER_LIMIT = 64 * 1024  # a header is ~300 bytes; a longer first line is not a backup
_COLUMNS = (
    "id",
    "type",
    "data",
    "text",
    "occurred_at",
    "created_at",
    "updated_at",
    "valid_to",
    "invalid_reason",
    "version",
    "importance",
    "origin",
)


_TURN_COLUMNS = ("n", "question", "answer", "state", "note", "citations", "context_ids", "at")


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if final else 0)


def _records(repo: MemoryRepository) -> Iterator[dict[str, Any]]:
    db = repo.db
    last = 0
    while True:
        rows = db.query(
            f"SELECT seq, secret, {', '.join(_COLUMNS)} FROM memories WHERE seq > ? "
            "ORDER BY seq LIMIT 500",
            (last,),
        )
        if not rows:
            return
        for row in rows:
            last = row.pop("seq")
            blob = row.pop("secret")
            memory_id = row["id"]
            if blob is not None:
                row["secret_plain"] = repo.unseal(blob, memory_id)
            row["sources"] = db.query(
                "SELECT kind, ref, added_at FROM memory_sources WHERE memory_id = ?",
                (memory_id,),
            )
            history = db.query(
                "SELECT version, action, actor, reason, old, new, at FROM memory_history "
                "WHERE memory_id = ? ORDER BY id",
                (memory_id,),
            )
            for entry in history:
                for side in ("old", "new"):
                    entry[side] = _unseal(repo, memory_id, entry[side])
            row["history"] = history
            yield row


def _conversations(repo: MemoryRepository) -> Iterator[dict[str, Any]]:
    """Memloci's own conversations (the chat pane's list), each with its turns."""
    db = repo.db
    for row in db.query("SELECT id, title, created_at, updated_at FROM conversations ORDER BY id"):
        row["turns"] = db.query(
            f"SELECT {', '.join(_TURN_COLUMNS)} FROM conversation_turns "
            "WHERE conversation_id = ? ORDER BY n",
            (row["id"],),
        )
        yield row


def _merge_conversations(conn: Any, records: list[dict[str, Any]], result: dict[str, int]) -> None:
    """Conversations from a backup, merged like memories: one missing here is added, a newer
    copy replaces this one (its turns with it), an older one changes nothing."""
    for record in records:
        existing = conn.execute(
            "SELECT updated_at FROM conversations WHERE id = ?", (record["id"],)
        ).fetchone()
        if existing and existing[0] >= record["updated_at"]:
            result["conversations_unchanged"] += 1
            continue
        if existing:
            conn.execute(
                "DELETE FROM conversation_turns WHERE conversation_id = ?", (record["id"],)
            )
            conn.execute(
                "UPDATE conversations SET title = ?, created_at = ?, updated_at = ? WHERE id = ?",
                (record["title"], record["created_at"], record["updated_at"], record["id"]),
            )
            result["conversations_updated"] += 1
        else:
            conn.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (record["id"], record["title"], record["created_at"], record["updated_at"]),
            )
            result["conversations_added"] += 1
        conn.executemany(
            f"INSERT INTO conversation_turns (conversation_id, {', '.join(_TURN_COLUMNS)}) "
            f"VALUES (?, {', '.join('?' * len(_TURN_COLUMNS))})",
            [(record["id"], *(t[c] for c in _TURN_COLUMNS)) for t in record["turns"]],
        )


def _unseal(repo: MemoryRepository, memory_id: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    snap = json.loads(raw)
    sealed = snap.pop("sealed_secret", None)
    if sealed is not None:
        snap["secret_plain"] = repo.unseal(base64.b64decode(sealed), memory_id)
    return json.dumps(snap, ensure_ascii=False)


def _reseal(repo: MemoryRepository, memory_id: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    snap = json.loads(raw)
    plain = snap.pop("secret_plain", None)
    if plain is not None:
        blob = repo.seal(plain, memory_id)
        snap["sealed_secret"] = base64.b64encode(blob).decode()
    return json.dumps(snap, ensure_ascii=False)


def export_backup(repo: MemoryRepository, path: Path, passphrase: str) -> dict[str, int]:
    """Write every memory and every conversation with Memloci to an encrypted file. Written to
    a sibling, then renamed into place."""
    if not passphrase:
        raise InvalidInput("A backup needs a passphrase to encrypt it with.")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt = secrets.token_bytes(16)
    fields: dict[str, Any] = {
        "format": FORMAT,
        "app": __version__,
        "created_at": to_iso(utcnow()),
        "kdf": DEFAULT_KDF,
        "salt": base64.b64encode(salt).decode(),
        "chunk": CHUNK,
    }
    fields["digest"] = digest_of(fields)
    header = json.dumps(fields, sort_keys=True).encode()
    aead = AESGCM(derive_kek(passphrase, salt, DEFAULT_KDF))
    path = path.expanduser()
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name for the backup.")
    tmp = path.with_name(f".{path.name}.partial")
    count = conversations = turns = 0
    try:
        # 0600 from creation (whatever the umask; a symlink planted at the partial's name is
        # removed, not followed), and renamed over any older backup, so never readable by others.
        with open(create_private(tmp), "wb") as out:
            out.write(MAGIC + header + b"\n")
            compressor = zlib.compressobj(6)
            pending = bytearray()
            index = 0

            def flush(final: bool) -> None:
                nonlocal index, pending
                while len(pending) >= CHUNK or final:
                    piece, pending = bytes(pending[:CHUNK]), pending[CHUNK:]
                    last = final and not pending
                    nonce = secrets.token_bytes(12)
                    sealed = nonce + aead.encrypt(nonce, piece, _aad(header, index, last))
                    out.write(struct.pack(">I", len(sealed)) + sealed)
                    index += 1
                    if last:
                        return

            meta = {"kind": "meta", "format": FORMAT}
            pending += compressor.compress((json.dumps(meta) + "\n").encode())
            for record in _records(repo):
                line = json.dumps({"kind": "memory", **record}, ensure_ascii=False) + "\n"
                pending += compressor.compress(line.encode("utf-8"))
                count += 1
                flush(False)
            for record in _conversations(repo):
                line = json.dumps({"kind": "conversation", **record}, ensure_ascii=False) + "\n"
                pending += compressor.compress(line.encode("utf-8"))
                conversations += 1
                turns += len(record["turns"])
                flush(False)
            pending += compressor.flush()
            flush(True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        if error.errno == errno.ENOSPC:
            raise BackupError(
                f"The disk holding {path.parent} is full, so the backup was not written (nothing "
                "partial is left). Free some space or choose another place."
            ) from None
        raise BackupError(f"Cannot write the backup {path}: {error.strerror or error}.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {
        "memories": count,
        "conversations": conversations,
        "turns": turns,
        "bytes": path.stat().st_size,
    }


def _read_exact(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise BackupError("The backup file is truncated; nothing was imported.")
    return data


def _check_header(path: Path, header: bytes) -> tuple[bytes, dict[str, Any]]:
    """The salt and key-derivation parameters of a backup header, checked before any work is
    done with them: a damaged or hostile header is refused in one sentence, not run."""

    def hostile(reason: str) -> DamagedBackup:
        return DamagedBackup(
            f"{path} is a damaged or hostile file ({reason}); nothing was imported."
        )

    try:
        meta = json.loads(header)
    except (ValueError, RecursionError):
        raise hostile("its header is not JSON") from None
    if not isinstance(meta, dict):
        raise hostile("its header is not a JSON object")
    fmt = meta.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        raise hostile("its header has no format number")
    if fmt > FORMAT:
        raise BackupError(
            f"{path} was written by a newer Memloci (backup format {fmt}); update Memloci."
        )
    digest = meta.get("digest")
    if digest is not None and digest != digest_of(meta):
        raise hostile("its header does not match its digest")
    try:
        salt = base64.b64decode(str(meta["salt"]).encode("ascii"), validate=True)
        return check_salt(salt), check_kdf(meta.get("kdf"))
    except KdfRefused as error:
        raise hostile(str(error)) from None
    except (KeyError, ValueError):
        raise hostile("its header has no usable salt") from None


def _lines(path: Path, passphrase: str) -> Iterator[dict[str, Any]]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        handle = open(path.expanduser(), "rb")  # noqa: SIM115 - closed by the `with` below
    except OSError as error:
        raise BackupError(f"Cannot read the backup {path}: {error.strerror or error}.") from None
    with handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} is not a Memloci backup.")
        header = handle.readline(HEADER_LIMIT).rstrip(b"\n")
        salt, kdf = _check_header(path, header)
        aead = AESGCM(derive_kek(passphrase, salt, kdf))
        decompressor = zlib.decompressobj()
        buffer = b""
        index = 0
        while True:
            size_bytes = handle.read(4)
            if len(size_bytes) != 4:
                raise BackupError("The backup file is truncated; nothing was imported.")
            (size,) = struct.unpack(">I", size_bytes)
            if not 28 <= size <= CHUNK + 28:  # nonce, at most one chunk, tag
                raise DamagedBackup(
                    f"{path} is a damaged or hostile file (chunk {index} claims {size:,} "
                    "bytes); nothing was imported."
                )
            sealed = _read_exact(handle, size)
            final = handle.peek(1)[:1] == b""
            try:
                plain = aead.decrypt(sealed[:12], sealed[12:], _aad(header, index, final))
            except InvalidTag:
                if index == 0:
                    raise WrongPassphrase(
                        "Wrong passphrase for this backup (or the file is damaged); "
                        "nothing was imported."
                    ) from None
                raise BackupError(
                    f"{path} is damaged (chunk {index}); nothing was imported."
                ) from None
            buffer += decompressor.decompress(plain)
            *complete, buffer = buffer.split(b"\n")
            for line in complete:
                if line:
                    yield json.loads(line)
            index += 1
            if final:
                break
        buffer += decompressor.flush()
        if buffer.strip():
            yield json.loads(buffer)


def import_backup(writer: Writer, path: Path, passphrase: str) -> dict[str, int]:
    """Merge a backup into this store, atomically, through the writer (records come back with
    their own history) with the conversations it holds. Returns counts of added/updated/unchanged
    memories and conversations."""
    lines = list(_lines(path, passphrase))
    records = [r for r in lines if r.get("kind") == "memory"]
    chats = [r for r in lines if r.get("kind") == "conversation"]
    counted = ("added", "updated", "unchanged")
    result = dict.fromkeys(counted, 0)
    if chats:  # a backup with conversations (older ones have none) counts them too
        result.update(dict.fromkeys((f"conversations_{c}" for c in counted), 0))
    repo = writer.repo
    added: list[str] = []
    updated: list[str] = []
    with writer.batch(Initiator.SYSTEM) as batch:
        db = batch.db
        for record in records:
            memory_id = record["id"]
            existing = db.conn.execute(
                "SELECT updated_at FROM memories WHERE id = ?", (memory_id,)
            ).fetchone()
            if existing and existing[0] >= record["updated_at"]:
                result["unchanged"] += 1
                continue
            secret = record.get("secret_plain")
            row = {c: record[c] for c in _COLUMNS}
            row["secret"] = repo.seal(secret, memory_id) if secret else None
            if existing:
                sets = ", ".join(f"{c} = ?" for c in row if c != "id")
                db.conn.execute(
                    f"UPDATE memories SET {sets} WHERE id = ?",
                    [*(v for c, v in row.items() if c != "id"), memory_id],
                )
                db.conn.execute("DELETE FROM memory_history WHERE memory_id = ?", (memory_id,))
                result["updated"] += 1
                updated.append(memory_id)
            else:
                db.conn.execute(
                    f"INSERT INTO memories ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    list(row.values()),
                )
                result["added"] += 1
                added.append(memory_id)
            db.conn.executemany(
                "INSERT OR IGNORE INTO memory_sources (memory_id, kind, ref, added_at) "
                "VALUES (?, ?, ?, ?)",
                [(memory_id, s["kind"], s["ref"], s["added_at"]) for s in record["sources"]],
            )
            db.conn.executemany(
                "INSERT INTO memory_history (memory_id, version, action, actor, reason, old, new, "
                "at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        memory_id,
                        h["version"],
                        h["action"],
                        h["actor"],
                        h["reason"],
                        _reseal(repo, memory_id, h["old"]),
                        _reseal(repo, memory_id, h["new"]),
                        h["at"],
                    )
                    for h in record["history"]
                ],
            )
        _merge_conversations(db.conn, chats, result)
        batch.restored(added, updated)
    return result
