"""A full disk, for real: the models folder is a small tmpfs mounted in a mount namespace of its
own (`unshare -rm`, no root needed where user namespaces are allowed), and `memloci model
download` runs there as a person runs it, against a hub on loopback.

Too little space is refused before a byte is downloaded; a disk that fills up during the
download stops it with a sentence and keeps the part, and the same command resumes it once
space is freed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.hubserver import FakeHub, Servers, small_gguf, start_hub

pytestmark = pytest.mark.integration

REPO, FILE = "someone/Tiny-GGUF", "tiny-Q4_K_M.gguf"


def _namespaces() -> str:
    if shutil.which("unshare") is None:
        return "unshare is not installed"
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return "" if probe.returncode == 0 else "mount namespaces are not allowed here"


needs_namespaces = pytest.mark.skipif(bool(_namespaces()), reason=_namespaces() or "ok")


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    servers = Servers()
    found = start_hub(servers)
    yield found
    servers.stop()


def in_small_disk(folder: Path, size: str, script: str, env: dict[str, str]) -> str:
    """Run `script` (sh) with a tmpfs of `size` mounted on `folder`; returns its output."""
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size={size} tmpfs '{folder}'\n{script}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    return done.stdout + done.stderr


@needs_namespaces
def test_too_little_space_is_refused_and_a_full_disk_midway_keeps_the_part(
    hub: FakeHub, home: Path, tmp_path: Path
) -> None:
    data = small_gguf(floats=600_000)  # 2.4 MB
    hub.add(REPO, FILE, data)
    folder = tmp_path / "models"
    folder.mkdir()
    env = subprocess_env(home, HF_ENDPOINT=hub.url)
    memloci = f"'{sys.executable}' -m app"
    for command in (["init"], ["config", "set", "model.models_folder", str(folder)]):
        setup = subprocess.run(
            [sys.executable, "-m", "app", *command],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert setup.returncode == 0, setup.stderr

    # 2 MB of room for a 2.4 MB file: refused at once, nothing left behind.
    out = in_small_disk(
        folder,
        "2m",
        f"{memloci} model download {REPO}/{FILE}; echo EXIT=$?; ls -A '{folder}'",
        env,
    )
    assert "EXIT=5" in out and "Not enough free space" in out, out
    assert FILE not in out.split("EXIT=5", 1)[1]
    assert hub.gets("localhost") == []

    # 4 MB of room: the download starts; another program fills the disk on the way.
    hub.faults.delay_per_chunk = 0.05
    script = f"""
{memloci} model download {REPO}/{FILE} > '{tmp_path}/first.txt' 2>&1 &
while [ ! -s '{folder}/{FILE}.partial' ] || [ $(stat -c %s '{folder}/{FILE}.partial') -lt 400000 ]
do sleep 0.05; done
dd if=/dev/zero of='{folder}/filler' bs=100k count=40 2>/dev/null
wait $!; echo FIRST=$?; cat '{tmp_path}/first.txt'
echo KEPT=$(stat -c %s '{folder}/{FILE}.partial')
rm '{folder}/filler'
{memloci} model download {REPO}/{FILE} --json; echo SECOND=$?
cmp '{folder}/{FILE}' '{tmp_path}/expected.gguf' && echo SAME
"""
    (tmp_path / "expected.gguf").write_bytes(data)
    out = in_small_disk(folder, "4m", script, env)
    assert "FIRST=5" in out and "filled up during the download" in out, out
    kept = int(out.split("KEPT=", 1)[1].split()[0])
    assert 400_000 <= kept < len(data)
    assert "SECOND=0" in out and "SAME" in out, out
    assert hub.gets("localhost")[-1].range == f"bytes={kept}-"
