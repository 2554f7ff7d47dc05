"""Downloading models from a hub on loopback (tests/hubserver.py): the hub's redirect to a CDN
host, its published LFS hash, resume after a cut connection and after a stop, a wrong checksum,
a range the server ignores, a file that changed between tries, a gated file, a plain URL."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest

from app.errors import Cancelled, DownloadFailed
from app.llm.download import Downloader, Progress, part_path
from app.llm.hub import parse
from tests.hubserver import FakeHub, Servers, small_gguf

REPO, FILE = "someone/Tiny-GGUF", "tiny-Q4_K_M.gguf"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "models"


def fetch(folder: Path, spec: str, **kw: object) -> object:
    downloader = Downloader(folder)
    try:
        return downloader.fetch(parse(spec, sha256=kw.pop("sha256", None)), **kw)  # type: ignore[arg-type]
    finally:
        downloader.close()


def test_a_hub_file_follows_the_cdn_redirect_and_is_checked_against_the_lfs_hash(
    hub: FakeHub, folder: Path
) -> None:
    data = small_gguf()
    sha = hub.add(REPO, FILE, data)
    seen: list[Progress] = []
    done = fetch(folder, f"{REPO}/{FILE}", on_progress=seen.append)
    assert done.path == folder / FILE and done.path.read_bytes() == data
    assert done.sha256 == sha and done.checked_against == "hub" and done.resumed_from == 0
    assert not part_path(done.path).exists()
    record = json.loads((folder / f"{FILE}.json").read_text())
    assert record["sha256"] == sha and record["repo"] == REPO and record["commit"]
    # The hub was asked with HEAD and not followed to the CDN; the bytes came from the CDN host.
    assert [s.method for s in hub.seen if s.host.startswith("127.0.0.1")] == ["HEAD"]
    assert len(hub.gets("localhost")) == 1
    assert seen[-1].phase == "verifying" and seen[-1].done == len(data)
    # Asked again: the file is here and checked; nothing is downloaded.
    again = fetch(folder, f"https://huggingface.co/{REPO}/blob/main/{FILE}")
    assert again.already_here and len(hub.gets("localhost")) == 1


def test_a_connection_cut_halfway_is_resumed_with_a_range_request(
    hub: FakeHub, folder: Path
) -> None:
    data = small_gguf()
    hub.add(REPO, FILE, data)
    hub.faults.cut_after, hub.faults.cuts = 1_000_000, 2  # two cuts in a row
    done = fetch(folder, f"{REPO}/{FILE}")
    assert done.path.read_bytes() == data
    ranges = [s.range for s in hub.gets("localhost")]
    assert ranges == [None, "bytes=1000000-", "bytes=2000000-"]


def test_a_stopped_download_keeps_its_part_and_resumes_later(hub: FakeHub, folder: Path) -> None:
    data = small_gguf()
    hub.add(REPO, FILE, data)
    hub.faults.delay_per_chunk = 0.02
    cancel = threading.Event()

    def stop_early(progress: Progress) -> None:
        if progress.done > 500_000:
            cancel.set()

    with pytest.raises(Cancelled, match="Run the same download again to resume"):
        fetch(folder, f"{REPO}/{FILE}", on_progress=stop_early, cancel=cancel)
    part = part_path(folder / FILE)
    kept = part.stat().st_size
    assert 500_000 < kept < len(data) and not (folder / FILE).exists()
    hub.faults.delay_per_chunk = 0.0
    done = fetch(folder, f"{REPO}/{FILE}")
    assert done.resumed_from == kept and done.path.read_bytes() == data
    assert hub.gets("localhost")[-1].range == f"bytes={kept}-"
    assert not part.exists()


def test_a_wrong_checksum_deletes_the_download_and_puts_nothing_in_use(
    hub: FakeHub, folder: Path
) -> None:
    hub.add(REPO, FILE, small_gguf())
    hub.faults.wrong_bytes = True
    with pytest.raises(DownloadFailed, match=r"SHA-256 .* is not the hub.s"):
        fetch(folder, f"{REPO}/{FILE}")
    assert sorted(p.name for p in folder.iterdir()) == []


def test_a_hash_that_disagrees_with_the_hub_is_refused_before_any_byte(
    hub: FakeHub, folder: Path
) -> None:
    hub.add(REPO, FILE, small_gguf())
    with pytest.raises(DownloadFailed, match="another SHA-256"):
        fetch(folder, f"{REPO}/{FILE}", sha256="ab" * 32)
    assert hub.gets("localhost") == []


def test_without_lfs_headers_the_hash_comes_from_the_hub_api(hub: FakeHub, folder: Path) -> None:
    data = small_gguf()
    sha = hub.add(REPO, f"q4/{FILE}", data, publish_lfs_headers=False)
    done = fetch(folder, f"{REPO}/q4/{FILE}")
    assert done.sha256 == sha and done.checked_against == "hub"
    assert any("/api/models/someone/Tiny-GGUF/tree/main/q4" in s.path for s in hub.seen)


def test_a_server_that_ignores_ranges_is_started_over(hub: FakeHub, folder: Path) -> None:
    data = small_gguf()
    hub.add(REPO, FILE, data)
    hub.faults.cut_after, hub.faults.cuts, hub.faults.ignore_range = 700_000, 1, True
    done = fetch(folder, f"{REPO}/{FILE}")
    assert done.path.read_bytes() == data


def test_a_part_of_a_file_that_changed_since_is_not_resumed(hub: FakeHub, folder: Path) -> None:
    hub.add(REPO, FILE, small_gguf(name="first"))
    hub.faults.delay_per_chunk = 0.02
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        fetch(
            folder,
            f"{REPO}/{FILE}",
            on_progress=lambda p: cancel.set() if p.done > 300_000 else None,
            cancel=cancel,
        )
    hub.faults.delay_per_chunk = 0.0
    newer = small_gguf(name="second version")
    hub.files.clear()
    sha = hub.add(REPO, FILE, newer)
    done = fetch(folder, f"{REPO}/{FILE}")
    assert done.sha256 == sha and done.resumed_from == 0 and done.path.read_bytes() == newer
    assert hub.gets("localhost")[-1].range is None


def test_gated_and_missing_files_are_sentences(hub: FakeHub, folder: Path) -> None:
    hub.add(REPO, FILE, small_gguf(), gated=True)
    with pytest.raises(DownloadFailed, match="login or accepting its licence"):
        fetch(folder, f"{REPO}/{FILE}")
    with pytest.raises(DownloadFailed, match="not found"):
        fetch(folder, f"{REPO}/missing.gguf")
    assert not folder.exists() or not any(folder.iterdir())


def test_a_plain_url_is_checked_for_gguf_structure_or_against_a_given_hash(
    servers: Servers, folder: Path
) -> None:
    good, bad = small_gguf(), b"<html>not a model</html>" * 100
    seen: list[str] = []
    port = servers.start(_bytes_handler({"/good.gguf": good, "/bad.gguf": bad}, seen))
    done = fetch(folder, f"http://127.0.0.1:{port}/good.gguf")
    assert done.checked_against == "none" and done.path.read_bytes() == good
    with pytest.raises(DownloadFailed, match="not a usable GGUF"):
        fetch(folder, f"http://127.0.0.1:{port}/bad.gguf")
    assert not (folder / "bad.gguf").exists() and not part_path(folder / "bad.gguf").exists()
    (folder / "good.gguf").unlink()
    (folder / "good.gguf.json").unlink()
    given = hashlib.sha256(good).hexdigest()
    done = fetch(folder, f"http://127.0.0.1:{port}/good.gguf", sha256=given)
    assert done.checked_against == "given"


def test_names_that_are_not_gguf_files_or_escape_the_folder_are_refused() -> None:
    from app.errors import InvalidInput

    for spec in ("http://example.org/../../etc/passwd", "owner/repo/model.bin", "nonsense"):
        with pytest.raises(InvalidInput):
            parse(spec)
    assert parse("qwen2.5-7b").sha256 and parse("qwen2.5-7b").catalogue == "qwen2.5-7b"


def _bytes_handler(files: dict[str, bytes], seen: list[str]) -> type:
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return None

        def do_HEAD(self) -> None:
            self._send(body=False)

        def do_GET(self) -> None:
            self._send(body=True)

        def _send(self, body: bool) -> None:
            seen.append(f"{self.command} {self.path}")
            data = files.get(self.path)
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            if body and data:
                self.wfile.write(data)

    return Handler


def test_a_second_download_of_the_same_file_is_refused_while_one_runs(
    hub: FakeHub, folder: Path
) -> None:
    from app.errors import InvalidInput

    hub.add(REPO, FILE, small_gguf())
    hub.faults.delay_per_chunk = 0.05
    cancel, started, outcome = threading.Event(), threading.Event(), {}

    def first() -> None:
        try:
            fetch(folder, f"{REPO}/{FILE}", on_progress=lambda p: started.set(), cancel=cancel)
        except Cancelled as error:
            outcome["first"] = error

    runner = threading.Thread(target=first)
    runner.start()
    assert started.wait(10)
    with pytest.raises(InvalidInput, match="being downloaded already"):
        fetch(folder, f"{REPO}/{FILE}")
    cancel.set()
    runner.join(10)
    assert isinstance(outcome.get("first"), Cancelled)
    assert part_path(folder / FILE).stat().st_size > 0  # the refused one took nothing away
