"""The approximate nearest-neighbour index: Chroma, local (`PersistentClient` under the data
folder) or a Chroma server (`HttpClient`) when settings name one.

Chroma holds only memory ids and rotated vectors: no documents, no metadata. Each embedder
fingerprint gets its own collection (named by a keyed hash), so vectors of different models are
never mixed. Everything here is derived from the encrypted database and can be rebuilt.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import struct
import sys
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.embed.base import EmbedderUnavailable
from app.errors import ConfigError
from app.vectors.rotation import collection_name, rotation_matrix

log = logging.getLogger(__name__)

BATCH = 4_096
# Beside the local folder: a rewrite being built, and the folder it replaced (see `take_over`).
LEFTOVERS = (".rewrite", ".old")


def clear_heap_reuse() -> None:
    """Ask glibc to clear memory as it hands it out (and overwrite what is freed), once per
    process: Chroma's HNSW files are written from uncleared buffers, so without this they can
    carry freed memory of this process (erased memories included) into the unencrypted
    folder. Blocks of 1 KiB or less (glibc's per-thread cache) are not covered: `wipe_slack`
    clears the files after a rewrite and at close."""
    if _heap["set"] or not sys.platform.startswith("linux"):
        return
    _heap["set"] = True
    try:
        libc = ctypes.CDLL(None)
        mallopt = getattr(libc, "mallopt", None)
        # M_PERTURB with 0xff: freed memory is filled with 0xff, new memory with 0x00.
        if mallopt is None or not mallopt(_M_PERTURB, 0xFF):
            log.info("this C library cannot clear reused memory; index files are wiped instead")
    except OSError:
        log.debug("no C library to ask for cleared memory", exc_info=True)


_M_PERTURB = -6
_heap = {"set": False}


def wipe_slack(folder: Path) -> None:
    """Zero the HNSW files past their last element. hnswlib writes whole buffers that `malloc`
    hands over uncleared, so the slack holds whatever this process freed before: ids, vectors
    or text of other (even erased) memories. Only the elements the header counts are read."""
    for header in folder.glob("*/header.bin"):
        try:
            version, _, _, count, size = struct.unpack_from("<i4Q", header.read_bytes())
        except (OSError, struct.error):
            continue
        if version != 1:
            log.warning("unknown HNSW file version %s in %s; slack not wiped", version, header)
            continue
        for name, used in (("data_level0.bin", count * size), ("length.bin", count * 4)):
            _zero_from(header.parent / name, used)


def _zero_from(path: Path, offset: int) -> None:
    try:
        with path.open("r+b") as file:
            end = file.seek(0, os.SEEK_END)
            file.seek(offset)
            while file.tell() < end:
                file.write(bytes(min(1 << 20, end - file.tell())))
            file.flush()
            os.fsync(file.fileno())
    except FileNotFoundError:
        pass


def _configuration() -> dict[str, Any]:
    """A fresh dict each time: Chroma fills in its defaults in place."""
    return {"hnsw": {"space": "cosine", "ef_search": 128}}


class VectorIndexError(ConfigError):
    """The vector index cannot be used; search continues with full-text only."""


class ChromaIndex:
    """One collection of rotated unit vectors keyed by memory id."""

    def __init__(
        self,
        *,
        key: bytes,
        fingerprint: str,
        dimension: int,
        path: Path | None = None,
        url: str | None = None,
        token: str | None = None,
    ) -> None:
        if (path is None) == (url is None):
            raise ValueError("give either a local path or a server url")
        self.path = path
        self.url = url
        self._token = token
        self._key = key
        self.fingerprint = fingerprint
        self.dimension = dimension
        self._prefix, self.name = collection_name(key, fingerprint)
        self._rotation: Any = None
        self._client: Any = None
        self._collection: Any = None
        self._use = threading.RLock()  # a folder swap waits for queries and writes in flight

    @property
    def mode(self) -> str:
        return "server" if self.url else "local"

    # -- connection -----------------------------------------------------------------------------
    def open(self) -> bool:
        """Connect and get the collection. True when it was just created (so it is empty)."""
        from app.privacy import keep_local

        keep_local()  # Chroma's settings read ANONYMIZED_TELEMETRY; chromadb may load onnxruntime
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings
        except ImportError as error:
            raise EmbedderUnavailable(f"chromadb is missing ({error}).") from None
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.url:
                parts = urllib.parse.urlsplit(self.url)
                headers = {"Authorization": f"Bearer {self._token}"} if self._token else None
                self._client = chromadb.HttpClient(
                    host=parts.hostname or "localhost",
                    port=parts.port or (443 if parts.scheme == "https" else 8000),
                    ssl=parts.scheme == "https",
                    headers=headers,
                    settings=settings,
                )
            else:
                assert self.path is not None
                if not self.path.name.endswith(LEFTOVERS):
                    self.clear_leftovers(self.path)
                clear_heap_reuse()
                self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._client = chromadb.PersistentClient(path=str(self.path), settings=settings)
            created = self.name not in self._names()
            self._collection = self._client.get_or_create_collection(
                self.name, embedding_function=None, configuration=_configuration()
            )
        except Exception as error:
            self.close()
            self._forget_cached_system()
            where = self.url or str(self.path)
            raise VectorIndexError(
                f"The vector index at {where} cannot be opened ({error})."
            ) from None
        self._rotation = rotation_matrix(self._key, self.dimension)
        return created

    def _names(self) -> list[str]:
        return [getattr(c, "name", c) for c in self._client.list_collections()]

    def drop_other_collections(self) -> list[str]:
        """Collections of this install made with other embedders: useless now, so removed."""
        return self._drop(keep=self.name)

    def drop_install(self) -> list[str]:
        """Every collection of this install, this one included (its key was replaced)."""
        dropped = self._drop(keep=None)
        self._collection = None
        return dropped

    def _drop(self, keep: str | None) -> list[str]:
        dropped = []
        for name in self._names():
            if name.startswith(self._prefix + "-") and name != keep:
                self._client.delete_collection(name)
                dropped.append(name)
        return dropped

    def reset(self) -> None:
        """Empty this collection (rebuild from the database follows). A local index starts
        from an empty folder: Chroma deletes a collection's rows but leaves its vector files."""
        with self._use:
            if self.path is not None:
                self.close()
                self._forget_cached_system()
                shutil.rmtree(self.path, ignore_errors=True)
                self.open()
                return
            self._client.delete_collection(self.name)
            self._collection = self._client.get_or_create_collection(
                self.name, embedding_function=None, configuration=_configuration()
            )

    # -- rewriting the local folder (no trace of deleted vectors in its files) -------------------
    def sibling(self, path: Path) -> ChromaIndex:
        """The same collection (key, embedder, dimension) in another local folder."""
        return ChromaIndex(
            key=self._key, fingerprint=self.fingerprint, dimension=self.dimension, path=path
        )

    @staticmethod
    def clear_leftovers(path: Path) -> None:
        """Remove a rewrite that never finished and a replaced folder not yet deleted."""
        for suffix in LEFTOVERS:
            shutil.rmtree(path.with_name(path.name + suffix), ignore_errors=True)

    def take_over(self, other: ChromaIndex) -> None:
        """Make `other`'s folder this index's folder and delete the old one with every file
        in it. Queries and writes wait meanwhile (a moment: two renames and a reopen)."""
        assert self.path is not None and other.path is not None
        other.close()
        other._forget_cached_system()
        wipe_slack(other.path)
        with self._use:
            self.close()
            self._forget_cached_system()
            old = self.path.with_name(self.path.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(other.path, self.path)
            try:
                self.open()
            finally:
                shutil.rmtree(old, ignore_errors=True)
            wipe_slack(self.path)  # in case opening wrote the buffers out again

    def close(self) -> None:
        client, self._client, self._collection = self._client, None, None
        if client is not None and hasattr(client, "close"):
            try:
                client.close()  # stops the local system, releasing its files
            except Exception:
                log.debug("closing chroma failed", exc_info=True)
        if client is not None and self.path is not None and self.path.is_dir():
            wipe_slack(self.path)  # its last write-out included uncleared buffers

    def _forget_cached_system(self) -> None:
        """Chroma caches one engine per folder in the process; one that failed to start must
        go, or every later open of the folder fails the same way."""
        if self.path is None:
            return
        try:
            from chromadb.api.shared_system_client import SharedSystemClient

            key = str(self.path)
            system = SharedSystemClient._identifier_to_system.pop(key, None)
            SharedSystemClient._identifier_to_refcount.pop(key, None)
            if system is not None:
                system.stop()
        except Exception:
            log.debug("clearing chroma's cached system failed", exc_info=True)

    @staticmethod
    def discard(path: Path) -> None:
        """Delete a damaged local index folder (it is rebuilt from the database)."""
        shutil.rmtree(path, ignore_errors=True)

    # -- data -----------------------------------------------------------------------------------
    def _rotate(self, vectors: Any) -> Any:
        import numpy as np

        array = np.asarray(vectors, dtype=np.float32)
        return array @ self._rotation

    def upsert(self, ids: Sequence[str], vectors: Any) -> None:
        if not ids:
            return
        rotated = self._rotate(vectors)
        with self._use:
            for start in range(0, len(ids), BATCH):
                self._collection.upsert(
                    ids=list(ids[start : start + BATCH]), embeddings=rotated[start : start + BATCH]
                )

    def delete(self, ids: Sequence[str]) -> None:
        with self._use:
            for start in range(0, len(ids), BATCH):
                self._collection.delete(ids=list(ids[start : start + BATCH]))

    def count(self) -> int:
        with self._use:
            return int(self._collection.count())

    def query(self, vector: Any, k: int) -> list[tuple[str, float]]:
        """The k nearest ids with their cosine similarity, best first."""
        if k < 1:
            return []
        rotated = self._rotate(vector.reshape(1, -1))
        with self._use:
            result = self._collection.query(
                query_embeddings=rotated, n_results=k, include=["distances"]
            )
        ids = result["ids"][0] if result["ids"] else []
        distances = result["distances"][0] if result.get("distances") else []
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=False)]
