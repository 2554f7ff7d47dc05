"""Where a model file comes from: a catalogue name, a Hugging Face hub file, or any URL.

Hub files are fetched from the hub's public file URLs (`{hub}/{repo}/resolve/{revision}/{path}`),
which answer with a redirect to a CDN and, for files kept in Git LFS, publish the file's SHA-256
(`X-Linked-Etag`) and size (`X-Linked-Size`). Where those headers are missing the hub's API
(`/api/models/{repo}/tree/{revision}`) lists the LFS object id, which is the same SHA-256.
`HF_ENDPOINT` points at another hub (a mirror), as with Hugging Face's own tools.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urljoin, urlsplit

from app.errors import DownloadFailed, InvalidInput
from app.llm import catalog

if TYPE_CHECKING:
    import httpx

HUB = "https://huggingface.co"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}\.gguf$")


def hub_url() -> str:
    return (os.environ.get("HF_ENDPOINT") or HUB).rstrip("/")


@dataclass(frozen=True)
class Source:
    url: str
    filename: str  # the file's name in the models folder
    title: str
    sha256: str | None = None  # known beforehand (catalogue, or given by the person)
    repo: str | None = None
    revision: str | None = None
    path: str | None = None  # the file's path inside the repository
    catalogue: str | None = None  # the catalogue entry's name

    @property
    def on_hub(self) -> bool:
        return self.repo is not None


def safe_filename(name: str) -> str:
    name = PurePosixPath(unquote(name)).name
    if not _NAME.match(name):
        raise InvalidInput(
            f"{name!r} is not a GGUF file name; Memloci downloads .gguf model files "
            "(llama.cpp format)."
        )
    return name


def hub_source(repo: str, path: str, revision: str = "main", hub: str | None = None) -> Source:
    hub = (hub or hub_url()).rstrip("/")
    url = f"{hub}/{repo}/resolve/{quote(revision, safe='')}/{quote(path)}"
    return Source(url, safe_filename(path), f"{repo}/{path}", None, repo, revision, path)


def parse(spec: str, *, sha256: str | None = None, hub: str | None = None) -> Source:
    """A catalogue name, `owner/repo/file.gguf`, a hub file URL, or any http(s) URL."""
    hub = (hub or hub_url()).rstrip("/")
    given = _sha(sha256) if sha256 else None
    spec = spec.strip()
    entry = catalog.find(spec)
    if entry is not None:
        source = hub_source(entry.repo, entry.filename, entry.revision, hub)
        return Source(
            source.url,
            source.filename,
            entry.title,
            given or entry.sha256,
            entry.repo,
            entry.revision,
            entry.filename,
            entry.name,
        )
    parts = urlsplit(spec)
    if parts.scheme in ("http", "https") and parts.netloc:
        found = _hub_file(spec, hub)
        if found is not None:
            repo, revision, path = found
            source = hub_source(repo, path, revision, hub)
            return Source(source.url, source.filename, source.title, given, repo, revision, path)
        return Source(spec, safe_filename(parts.path), spec, given)
    pieces = spec.split("/")
    if "://" not in spec and len(pieces) >= 3 and spec.lower().endswith(".gguf"):
        repo, path = "/".join(pieces[:2]), "/".join(pieces[2:])
        source = hub_source(repo, path, "main", hub)
        return Source(source.url, source.filename, source.title, given, repo, "main", path)
    names = ", ".join(e.name for e in catalog.CATALOG)
    raise InvalidInput(
        f"{spec!r} is neither a catalogue model ({names}), a hub file (owner/repo/file.gguf) "
        "nor an http(s) URL."
    )


def _hub_file(url: str, hub: str) -> tuple[str, str, str] | None:
    """(repo, revision, path) for a file URL of this hub or huggingface.co."""
    parts = urlsplit(url)
    known = {urlsplit(hub).netloc, "huggingface.co", "hf.co"}
    if parts.netloc not in known:
        return None
    pieces = [unquote(p) for p in parts.path.strip("/").split("/")]
    if len(pieces) >= 5 and pieces[2] in ("resolve", "blob"):
        return "/".join(pieces[:2]), pieces[3], "/".join(pieces[4:])
    return None


def _sha(value: str) -> str:
    value = value.strip().lower().strip('"')
    if value.startswith("sha256:"):
        value = value[7:]
    if not SHA256.match(value):
        raise InvalidInput(f"{value!r} is not a SHA-256 (64 hexadecimal digits).")
    return value


# -- what the server says about the file -----------------------------------------------------
@dataclass(frozen=True)
class Remote:
    """The file as the server describes it before the download starts."""

    data_url: str  # where the bytes are (the CDN's URL after the hub's redirect)
    size: int | None
    sha256: str | None  # published by the hub (LFS)
    commit: str | None  # the hub's revision resolved to a commit
    validator: str  # changes when the file changes: a resumed download must match it


def describe(client: httpx.Client, source: Source) -> Remote:
    """Ask the server about `source` (no body is downloaded). Hub files: HEAD requests on the
    hub only; its redirect to the CDN is where the bytes are, and is not followed here (a
    presigned CDN URL may allow GET only)."""
    import httpx

    url, data_url, hops = source.url, "", 0
    while True:
        try:
            response = client.head(url, follow_redirects=False)
        except httpx.HTTPError as error:
            raise DownloadFailed(
                f"Cannot reach {urlsplit(url).netloc} ({error.__class__.__name__}); check the "
                "network connection and try again."
            ) from None
        if response.is_redirect and hops < 8 and "location" in response.headers:
            target, hops = urljoin(url, response.headers["location"]), hops + 1
            if source.on_hub and urlsplit(target).netloc != urlsplit(url).netloc:
                data_url = target  # the hub hands the file to its CDN
                break
            url = target  # a renamed repository, or a plain server's redirect
            continue
        break
    headers = response.headers
    if not data_url:
        if response.status_code == 405:  # a plain server without HEAD: the GET will tell
            return Remote(url, None, None, None, "")
        _refuse(response.status_code, source)
        data_url = url
    sha = _header_sha(headers.get("x-linked-etag"))
    size_text = headers.get("x-linked-size") or (
        None if response.is_redirect else headers.get("content-length")
    )
    size = int(size_text) if size_text and size_text.isdigit() else None
    if source.on_hub and sha is None:
        sha = lfs_sha256(client, source)
    commit = headers.get("x-repo-commit")
    validator = sha or commit or headers.get("etag") or headers.get("last-modified") or ""
    return Remote(data_url, size, sha, commit, f"{validator}|{size}")


def _refuse(status: int, source: Source) -> None:
    if status < 400:
        return
    if status in (401, 403):
        raise DownloadFailed(
            f"{source.title} needs a login or accepting its licence on the hub (HTTP {status}); "
            "Memloci downloads public files only. Download it in a browser and run "
            "`memloci model use PATH`."
        )
    if status == 404:
        raise DownloadFailed(f"{source.title} was not found (HTTP 404); check the name.")
    raise DownloadFailed(f"The server refused {source.title} (HTTP {status}); try again later.")


def _header_sha(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().removeprefix("W/").strip('"').lower()
    return value if SHA256.match(value) else None


def lfs_sha256(client: httpx.Client, source: Source) -> str | None:
    """The LFS object id (SHA-256) of a hub file from the hub's tree API, if it lists one."""
    import httpx

    assert source.repo and source.path and source.revision
    folder = str(PurePosixPath(source.path).parent).strip(".")
    hub = source.url.split(f"/{source.repo}/resolve/", 1)[0]
    url = f"{hub}/api/models/{source.repo}/tree/{quote(source.revision, safe='')}"
    if folder:
        url += "/" + quote(folder)
    try:
        response = client.get(url, follow_redirects=True)
        entries = response.json() if response.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        return None
    for item in entries if isinstance(entries, list) else []:
        if isinstance(item, dict) and item.get("path") == source.path:
            lfs = item.get("lfs")
            oid = lfs.get("oid") if isinstance(lfs, dict) else None
            return _header_sha(str(oid)) if oid else None
    return None
