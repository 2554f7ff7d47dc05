"""Downloading a model file: free space first, resume, SHA-256, and nothing half-done in use.

The bytes go to `NAME.gguf.partial` (with `NAME.gguf.partial.json` saying which file they
belong to) and only a whole file whose SHA-256 matches (the catalogue's, the one the person gave,
or the hub's published LFS hash) and whose GGUF structure is intact is renamed to `NAME.gguf`.
A cut connection is resumed with an HTTP Range request (several times within one download, and
again by running the same download later); a stop keeps the part for a later resume; a wrong
checksum deletes it. One download of a file at a time (an flock on the part).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from app import http
from app.errors import Cancelled, DiskFull, DownloadFailed, InvalidInput
from app.llm.gguf_file import problem
from app.llm.hub import Remote, Source, _refuse, describe, hub_url
from app.paths import PRIVATE_FILE, private_folder
from app.security.keys import fsync_dir, write_atomic

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

CHUNK = 8 * 1024 * 1024
RETRIES = 5  # attempts in a row that bring no new byte
PROGRESS_EVERY_S = 0.25
_DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@dataclass(frozen=True)
class Progress:
    phase: str  # "checking" (the part already here), "downloading", "verifying"
    done: int
    total: int | None
    bytes_per_s: float = 0.0


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha256: str
    checked_against: str  # "catalogue" | "given" | "hub" | "none"
    resumed_from: int  # bytes that were already here (0: a fresh download)
    already_here: bool = False


def margin(size: int) -> int:
    """Space left free after the download: the store, logs and other programs need some."""
    return max(1024**2, min(512 * 1024**2, size // 20))


def meta_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def part_path(model: Path) -> Path:
    return model.with_name(model.name + ".partial")


def read_meta(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Downloader:
    """Fetches model files into one folder. `client` is made from `app.http` when not given."""

    def __init__(self, folder: Path, client: httpx.Client | None = None) -> None:
        self.folder = folder
        self._client = client

    def _http(self) -> httpx.Client:
        if self._client is None:
            # Reads wait at most 20 s, so a stop is seen soon even on a stalled connection.

            self._client = http.client(timeout_s=20.0, for_url=hub_url())
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # -- the whole job --------------------------------------------------------------------
    def fetch(
        self,
        source: Source,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Downloaded:

        cancel = cancel or threading.Event()
        report = on_progress or (lambda _p: None)
        private_folder(self.folder)
        target = self.folder / source.filename
        if source.sha256 and _has(target, source.sha256):
            return _found(target, source.sha256, "given" if not source.catalogue else "catalogue")
        remote = describe(self._http(), source)
        expected, against = _expected(source, remote)
        if expected and _has(target, expected):
            return _found(target, expected, against)
        with _locked(part_path(target)) as part:
            try:
                resumed = done = _resume_point(part, target, source, remote)
                _check_space(self.folder, remote.size, done)
                digest = _hash_existing(part, done, remote.size, report, cancel)
                done, digest = self._transfer(part, source, remote, digest, done, report, cancel)
                report(Progress("verifying", done, remote.size))
                os.fsync(part.fileno())
            except BaseException:
                if not os.fstat(part.fileno()).st_size:  # nothing worth keeping
                    _discard(part_path(target))
                raise
            # still under the lock: no second download of it starts before the file is in place
            sha = digest.hexdigest()
            found = self._finish(target, source, remote, sha, expected, against, done)
        return Downloaded(found.path, found.size, found.sha256, found.checked_against, resumed)

    # -- bytes ----------------------------------------------------------------------------
    def _transfer(
        self,
        part: BinaryIO,
        source: Source,
        remote: Remote,
        digest: hashlib._Hash,
        done: int,
        report: ProgressCallback,
        cancel: threading.Event,
    ) -> tuple[int, hashlib._Hash]:
        import httpx

        started, first = time.monotonic(), done
        failures, last_report, data_url = 0, 0.0, remote.data_url
        while remote.size is None or done < remote.size:
            if cancel.is_set():
                raise _stopped(done, remote.size)
            headers = {"Range": f"bytes={done}-"} if done else {}
            before = done
            try:
                with self._http().stream("GET", data_url, headers=headers) as response:
                    if response.status_code in (403, 410) and failures < RETRIES:
                        # a presigned CDN address that ran out while paused: ask the hub again
                        data_url = describe(self._http(), source).data_url
                        failures += 1
                        continue
                    start = _accept(response, done, remote, source)
                    if start != done:  # the range was ignored or refused: start over
                        part.seek(0)
                        part.truncate(0)
                        digest, done = hashlib.sha256(), 0
                        if response.status_code != 200:
                            continue  # ask again for the whole file
                    for piece in response.iter_bytes():
                        _write(part, piece, done, remote.size, self.folder)
                        digest.update(piece)
                        done += len(piece)
                        now = time.monotonic()
                        if now - last_report >= PROGRESS_EVERY_S:
                            speed = (done - first) / max(now - started, 1e-6)
                            report(Progress("downloading", done, remote.size, speed))
                            last_report = now
                        if cancel.is_set():
                            raise _stopped(done, remote.size)
                if remote.size is None:
                    return done, digest  # no size given: the end of the body is the end
            except httpx.TransportError as error:
                failures = 0 if done > before else failures + 1
                if failures > RETRIES:
                    raise DownloadFailed(
                        f"The connection to {httpx.URL(data_url).host} kept failing "
                        f"({error.__class__.__name__}); {_amount(done, remote.size)} kept. Run "
                        "the same download again to resume."
                    ) from None
                log.info("download interrupted at %d bytes (%s); resuming", done, error)
                if cancel.wait(min(2.0**failures, 15.0)):
                    raise _stopped(done, remote.size) from None
        return done, digest

    # -- the end ----------------------------------------------------------------------------
    def _finish(
        self,
        target: Path,
        source: Source,
        remote: Remote,
        sha: str,
        expected: str | None,
        against: str,
        size: int,
    ) -> Downloaded:

        part = part_path(target)
        if remote.size is not None and size != remote.size:
            _discard(part)
            raise DownloadFailed(
                f"The server sent {size:,} bytes of {source.title} instead of {remote.size:,}; "
                "the part was deleted. Try again."
            )
        if expected and sha != expected:
            _discard(part)
            raise DownloadFailed(
                f"The downloaded file's SHA-256 ({sha[:12]}…) is not the {against}'s "
                f"({expected[:12]}…): the download was damaged or the file was replaced. It was "
                "deleted; nothing changed. Try again."
            )
        damage = problem(part)
        if damage is not None:
            _discard(part)
            raise DownloadFailed(
                f"{source.title} is not a usable GGUF model file ({damage}); it was deleted."
            )
        record = {
            "title": source.title,
            "catalogue": source.catalogue,
            "source": source.url,
            "repo": source.repo,
            "revision": source.revision,
            "commit": remote.commit,
            "sha256": sha,
            "checked_against": against if expected else "none",
            "size": size,
            "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_atomic(meta_path(target), json.dumps(record, indent=1).encode("utf-8"))
        os.replace(part, target)
        part.with_name(part.name + ".json").unlink(missing_ok=True)
        fsync_dir(target.parent)
        log.info("downloaded %s (%d bytes, checked against %s)", target.name, size, against)
        return Downloaded(target, size, sha, str(record["checked_against"]), 0)


# -- helpers ----------------------------------------------------------------------------------
def _expected(source: Source, remote: Remote) -> tuple[str | None, str]:
    if source.sha256:
        against = "catalogue" if source.catalogue else "given"
        if remote.sha256 and remote.sha256 != source.sha256:
            raise DownloadFailed(
                f"The hub publishes another SHA-256 for {source.title} than the {against} "
                f"({remote.sha256[:12]}… instead of {source.sha256[:12]}…); nothing was "
                "downloaded."
            )
        return source.sha256, against
    if remote.sha256:
        return remote.sha256, "hub"
    return None, "none"


def _has(target: Path, sha: str) -> bool:
    meta = read_meta(meta_path(target))
    return (
        target.is_file()
        and meta.get("sha256") == sha
        and meta.get("size") == (target.stat().st_size)
    )


def _found(target: Path, sha: str, against: str) -> Downloaded:
    return Downloaded(target, target.stat().st_size, sha, against, 0, already_here=True)


@contextlib.contextmanager
def _locked(part: Path) -> Iterator[BinaryIO]:
    """The part file, open for appending and locked against a second download of it."""

    fd = os.open(part, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), PRIVATE_FILE)
    handle = os.fdopen(fd, "r+b", buffering=0)
    try:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - Windows: no second download is prevented
            pass
        except BlockingIOError:
            raise InvalidInput(
                f"{part.name[: -len('.partial')]} is being downloaded already (another Memloci "
                "window or command)."
            ) from None
        yield handle
    finally:
        handle.close()


def _resume_point(part: BinaryIO, target: Path, source: Source, remote: Remote) -> int:
    """Bytes of the same file already here; a part of another file is started over."""

    info = part_path(target).with_name(part_path(target).name + ".json")
    size = os.fstat(part.fileno()).st_size
    same = read_meta(info) == {"source": source.url, "validator": remote.validator}
    if size and (not same or not remote.validator or (remote.size and size > remote.size)):
        log.info("starting %s over: the part here belongs to another file", target.name)
        size = 0
    if not size:
        part.truncate(0)
        write_atomic(
            info, json.dumps({"source": source.url, "validator": remote.validator}).encode("utf-8")
        )
    part.seek(size)
    return size


def _check_space(folder: Path, size: int | None, done: int) -> None:
    if size is None:
        return
    free = shutil.disk_usage(folder).free
    need = size - done + margin(size)
    if free < need:
        raise DiskFull(
            f"Not enough free space in {folder}: the model needs {_gb(need)} more, "
            f"{_gb(free)} is free. Free some space, or set model.models_folder to a folder on "
            "a larger disk."
        )


def _hash_existing(
    part: BinaryIO,
    done: int,
    total: int | None,
    report: ProgressCallback,
    cancel: threading.Event,
) -> hashlib._Hash:
    digest = hashlib.sha256()
    part.seek(0)
    read = 0
    while read < done:
        block = part.read(min(CHUNK, done - read))
        if not block:
            break
        digest.update(block)
        read += len(block)
        report(Progress("checking", read, total))
        if cancel.is_set():
            raise _stopped(done, total)
    part.seek(done)
    return digest


def _accept(response: httpx.Response, done: int, remote: Remote, source: Source) -> int:
    """Check the answer to a (ranged) GET; returns the offset its body starts at."""
    import httpx

    status = response.status_code
    if status == 416:  # the server has less than the part here: the file changed
        return 0
    if status == 206:
        start = response.headers.get("content-range", "").split(" ")[-1].split("-")[0]
        if start.isdigit() and int(start) == done:
            return done
        raise DownloadFailed(
            f"The server sent the wrong part of {source.title} when asked to resume; run "
            "`memloci model remove` on it and download again."
        )
    if status == 200:
        if done:
            log.info("the server ignored the range request; starting over")
        return 0
    if status >= 500:  # a passing server error: retried like a cut connection
        raise httpx.RemoteProtocolError(f"HTTP {status}")

    _refuse(status, source)
    raise DownloadFailed(f"The server answered {source.title} with HTTP {status}.")


def _write(part: BinaryIO, piece: bytes, done: int, total: int | None, folder: Path) -> None:
    """All of `piece` (the part is unbuffered: a full disk shows at this write)."""
    view = memoryview(piece)
    try:
        while view:
            view = view[part.write(view) or 0 :]
    except OSError as error:
        if error.errno in _DISK_ERRORS:
            raise DiskFull(
                f"The disk holding {folder} filled up during the download; "
                f"{_amount(done, total)} kept. Free some space and run the same download "
                "again to resume."
            ) from None
        raise


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    part.with_name(part.name + ".json").unlink(missing_ok=True)


def _stopped(done: int, total: int | None) -> Cancelled:
    return Cancelled(
        f"Download stopped; {_amount(done, total)} kept. Run the same download again to resume."
    )


def _amount(done: int, total: int | None) -> str:
    return f"{_gb(done)} of {_gb(total)}" if total else _gb(done)


def _gb(size: int | None) -> str:
    if size is None:
        return "?"
    if size >= 1000**3:
        return f"{size / 1000**3:.2f} GB"
    return f"{size / 1000**2:.1f} MB"
