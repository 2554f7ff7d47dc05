"""Loopback stand-ins for model sources: the Hugging Face hub (with its CDN) and the model-list
endpoints of Ollama, LM Studio and llama.cpp's server. Nothing here leaves the machine.

The hub answers `HEAD/GET /{repo}/resolve/{revision}/{path}` the way huggingface.co does for a
file kept in Git LFS: a 302 to a CDN host with the file's SHA-256 (`X-Linked-Etag`), size
(`X-Linked-Size`) and commit (`X-Repo-Commit`), and `GET /api/models/{repo}/tree/{revision}`
lists LFS object ids. The CDN is a second server reached as `localhost` (another host name than
the hub's 127.0.0.1) that serves byte ranges. Faults are switched on per test: cut the
connection after some bytes, send wrong bytes, ignore ranges, leave out the LFS headers,
refuse (gated), slow down.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

# `GET /api/tags` of an Ollama with one chat model and one embedding model (Ollama's format).
OLLAMA_TAGS = {
    "models": [
        {
            "name": "qwen2.5:7b",
            "model": "qwen2.5:7b",
            "size": 4_683_087_332,
            "details": {
                "family": "qwen2",
                "parameter_size": "7.6B",
                "quantization_level": "Q4_K_M",
            },
        },
        {
            "name": "nomic-embed-text:latest",
            "model": "nomic-embed-text:latest",
            "size": 274_302_450,
            "details": {"family": "nomic-bert", "families": ["nomic-bert"]},
        },
    ]
}


def small_gguf(floats: int = 600_000, name: str = "memloci test model") -> bytes:
    """A whole GGUF file (one f32 tensor) that the structural check accepts; ~2.4 MB."""

    def text(value: str) -> bytes:
        raw = value.encode()
        return struct.pack("<Q", len(raw)) + raw

    body = b"GGUF" + struct.pack("<IQQ", 3, 1, 1)
    body += text("general.name") + struct.pack("<I", 8) + text(name)
    body += text("weights") + struct.pack("<I", 1) + struct.pack("<Q", floats)
    body += struct.pack("<IQ", 0, 0)  # type f32, offset 0
    body += b"\0" * (-len(body) % 32)
    return body + bytes(range(256)) * (floats * 4 // 256) + b"\1" * (floats * 4 % 256)


@dataclass
class HubFile:
    data: bytes
    sha256: str
    commit: str
    publish_lfs_headers: bool = True
    gated: bool = False


@dataclass
class Faults:
    cut_after: int | None = None  # close the connection after this many body bytes ...
    cuts: int = 0  # ... this many times
    wrong_bytes: bool = False  # flip a byte in the middle (the published hash stays right)
    ignore_range: bool = False  # answer 200 with the whole file to a Range request
    delay_per_chunk: float = 0.0  # seconds per 64 KiB


@dataclass
class Seen:
    host: str
    method: str
    path: str
    range: str | None


@dataclass
class FakeHub:
    files: dict[tuple[str, str, str], HubFile] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    seen: list[Seen] = field(default_factory=list)
    hub_port: int = 0
    cdn_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    def add(self, repo: str, path: str, data: bytes, revision: str = "main", **kw: Any) -> str:
        sha = hashlib.sha256(data).hexdigest()
        commit = hashlib.sha1(repo.encode() + data[:64]).hexdigest()
        self.files[(repo, revision, path)] = HubFile(data, sha, commit, **kw)
        return sha

    def blob(self, sha: str) -> HubFile | None:
        return next((f for f in self.files.values() if f.sha256 == sha), None)

    def gets(self, host: str = "localhost") -> list[Seen]:
        return [s for s in self.seen if s.method == "GET" and s.host.startswith(host)]


def _handler(hub: FakeHub, role: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return None

        def _note(self) -> None:
            hub.seen.append(
                Seen(
                    self.headers.get("Host", ""), self.command, self.path, self.headers.get("Range")
                )
            )

        def _json(self, status: int, value: Any) -> None:
            raw = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(raw)

        def do_HEAD(self) -> None:
            self._note()
            self._route()

        def do_GET(self) -> None:
            self._note()
            self._route()

        def _route(self) -> None:
            path = urlsplit(self.path).path
            if role == "cdn":
                self._cdn(path)
            else:
                self._hub(path)

        def _hub(self, path: str) -> None:
            parts = [unquote(p) for p in path.strip("/").split("/")]
            if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] == "tree":
                repo, revision, folder = "/".join(parts[2:4]), parts[5], "/".join(parts[6:])
                listing = [
                    {
                        "type": "file",
                        "path": p,
                        "size": len(f.data),
                        "oid": f.commit,
                        "lfs": {"oid": f.sha256, "size": len(f.data), "pointerSize": 134},
                    }
                    for (r, rev, p), f in hub.files.items()
                    if r == repo and rev == revision and p.rsplit("/", 1)[0:-1] in ([], [folder])
                ]
                self._json(200, listing)
                return
            if len(parts) < 5 or parts[2] != "resolve":
                self._json(404, {"error": "Not found"})
                return
            found = hub.files.get(("/".join(parts[:2]), parts[3], "/".join(parts[4:])))
            if found is None:
                self._json(404, {"error": "Entry not found"})
                return
            if found.gated:
                self._json(401, {"error": "Access to this model is restricted"})
                return
            self.send_response(302)
            self.send_header(
                "Location",
                f"http://localhost:{hub.cdn_port}/blobs/{found.sha256}"
                "?Expires=9999999999&Signature=abc",
            )
            if found.publish_lfs_headers:
                self.send_header("X-Linked-Etag", f'"{found.sha256}"')
                self.send_header("X-Linked-Size", str(len(found.data)))
            self.send_header("X-Repo-Commit", found.commit)
            self.send_header("ETag", f'"{found.commit[:20]}"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _cdn(self, path: str) -> None:
            found = hub.blob(path.rsplit("/", 1)[-1])
            if found is None:
                self._json(404, {"error": "NoSuchKey"})
                return
            data = found.data
            if hub.faults.wrong_bytes:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
            start = 0
            wanted = self.headers.get("Range")
            if wanted and not hub.faults.ignore_range:
                start = int(wanted.split("=")[1].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(data) - start))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if self.command == "HEAD":
                return
            body, sent = data[start:], 0
            cut = hub.faults.cut_after if hub.faults.cuts > 0 else None
            while sent < len(body):
                piece = body[sent : sent + 65_536]
                if cut is not None and sent + len(piece) > cut:
                    self.wfile.write(piece[: max(0, cut - sent)])
                    self.wfile.flush()
                    hub.faults.cuts -= 1
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                try:
                    self.wfile.write(piece)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped (a cancelled download)
                sent += len(piece)
                if hub.faults.delay_per_chunk:
                    time.sleep(hub.faults.delay_per_chunk)

    return Handler


class Servers:
    """Start and stop HTTP servers on loopback ports chosen by the system."""

    def __init__(self) -> None:
        self.servers: list[ThreadingHTTPServer] = []

    def start(self, handler: type[BaseHTTPRequestHandler]) -> int:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return int(server.server_address[1])

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def start_hub(servers: Servers) -> FakeHub:
    hub = FakeHub()
    hub.hub_port = servers.start(_handler(hub, "hub"))
    hub.cdn_port = servers.start(_handler(hub, "cdn"))
    return hub


def listing_handler(routes: dict[str, Any], seen: list[str]) -> type[BaseHTTPRequestHandler]:
    """A server that answers GET paths with fixed JSON (a model server's model list) and
    records every request line it gets."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return None

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen.append(f"{self.command} {self.path}")
            value = routes.get(self.path) if self.command == "GET" else None
            raw = json.dumps(value if value is not None else {"error": "not found"}).encode()
            self.send_response(200 if value is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

    return Handler
