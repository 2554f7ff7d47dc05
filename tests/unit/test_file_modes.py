"""Every file Memloci writes with personal data is created private (0600, folders 0700) from
the start, whatever the umask: backups, decrypted frames written on request, the keyfile,
settings, logs (rotated ones too), the database, and the data, config, cache and log folders.
Run under the permissive umasks people actually have (022, and 000 on some shared machines)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core import Memloci
from tests.conftest import subprocess_env
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
UMASKS = [0o022, 0o000]
PRIVATE_FILES = ("data/keyfile.json", "data/memloci.db", "config/settings.toml", "logs/memloci.log")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def cli(home: Path, umask: int, *args: str, cwd: Path | None = None) -> str:
    """The real CLI in a child started under `umask` (set by the shell, as a login would)."""
    result = subprocess.run(
        ["sh", "-c", f'umask {umask:03o} && exec "$0" -m app "$@"', sys.executable, *args],
        env=subprocess_env(home, MEMLOCI_BACKUP_PASSPHRASE="backup passphrase 9"),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def everything(root: Path) -> Iterator[Path]:
    yield root
    yield from root.rglob("*")


def open_to_others(root: Path) -> list[str]:
    """Paths under `root` that someone else could reach and read: the path itself grants
    group or others access and every folder on the way from `root` lets them through."""
    found = []
    for path in everything(root):
        chain = [path, *[p for p in path.parents if p == root or root in p.parents]]
        if all(mode(p) & 0o077 for p in chain):
            found.append(f"{path.relative_to(root.parent)} {mode(path):o}")
    return found


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@posix_only
@pytest.mark.parametrize("umask", UMASKS, ids=lambda u: f"umask {u:03o}")
def test_the_cli_creates_everything_private(tmp_path: Path, umask: int) -> None:
    home = tmp_path / "home"
    exports = tmp_path / "exports"
    exports.mkdir(mode=0o755)
    exports.chmod(0o755)
    cli(home, umask, "add", "Lunch with Ana at the harbour", "-t", "episodic")
    cli(home, umask, "config", "set", "search.default_limit", "7")
    cli(home, umask, "search", "harbour")
    cli(home, umask, "export", str(exports / "first.mlb"))
    older = exports / "older.mlb"
    older.write_bytes(b"an older backup, written world-readable")
    older.chmod(0o644)
    cli(home, umask, "export", str(older))
    cli(home, umask, "doctor", "--json")
    assert mode(exports / "first.mlb") == 0o600
    assert mode(older) == 0o600  # replaced by a private file, not rewritten in place
    assert sorted(p.name for p in exports.iterdir()) == ["first.mlb", "older.mlb"]  # no partials
    loose = [
        f"{p.relative_to(tmp_path)} {mode(p):o}"
        for p in everything(home)
        if mode(p) & 0o077 and not p.is_symlink()
    ]
    assert loose == []
    for name in ("data", "config", "cache", "logs"):
        assert mode(home / name) == 0o700
    for path in PRIVATE_FILES:
        assert mode(home / path) == 0o600, path


@posix_only
def test_library_use_under_umask_000_leaves_nothing_open(
    tmp_path: Path, home: Path, umask_zero: None
) -> None:
    with Memloci.open(home) as memloci:
        memloci.add("Ana's flat is on Rua das Flores", type="semantic")
        memloci.save_settings(memloci.settings.with_value("search.default_limit", 9))
        memloci.export_backup(tmp_path / "backup.mlb", "backup passphrase 9")
        assert memloci.search("Flores")
    assert mode(tmp_path / "backup.mlb") == 0o600
    assert mode(home) == 0o700  # MEMLOCI_HOME was created by Memloci
    for name in ("data", "config", "cache", "logs"):
        assert mode(home / name) == 0o700
    for path in PRIVATE_FILES:
        assert mode(home / path) == 0o600, path
    assert open_to_others(home) == []


@posix_only
def test_folders_left_open_by_an_older_release_are_closed(home: Path) -> None:
    Memloci.open(home).close()
    for name in ("data", "config", "cache", "logs"):
        (home / name).chmod(0o755)
    (home / "logs" / "memloci.log").chmod(0o644)
    cli(home, 0o022, "stats")  # a new process: its log handler opens the file afresh
    for name in ("data", "config", "cache", "logs"):
        assert mode(home / name) == 0o700, name
    assert mode(home / "logs" / "memloci.log") == 0o600


@posix_only
def test_rotated_logs_stay_private(home: Path, umask_zero: None) -> None:
    Memloci.open(home).close()
    log_file = home / "logs" / "memloci.log"
    handlers = [
        h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(log_file)
    ]
    assert len(handlers) == 1
    handlers[0].doRollover()
    logging.getLogger("app.test").warning("written after the rollover")
    assert mode(home / "logs" / "memloci.log.1") == 0o600
    assert mode(log_file) == 0o600


@posix_only
@pytest.mark.parametrize("umask", UMASKS, ids=lambda u: f"umask {u:03o}")
def test_a_frame_written_on_request_is_private(
    tmp_path: Path, home: Path, memloci: Memloci, umask: int
) -> None:
    screen = FakeScreen()
    screen.open("Editor", "plan.txt - Editor", ["Quarterly planning notes"])
    service = fake_capture(memloci, screen, Clock(), retain_frames=True, retain_every_seconds=5)
    result = service.tick()
    frame = memloci.capture.frames(result.session_id)[0]
    memloci.close()
    out = tmp_path / "frame.webp"
    cli(home, umask, "capture", "frame", frame.id, "--out", str(out))
    assert out.read_bytes()[8:12] == b"WEBP"
    assert mode(out) == 0o600


@posix_only
def test_a_symlink_planted_at_the_partial_name_is_not_followed(tmp_path: Path, home: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("not to be overwritten")
    out = tmp_path / "shared"
    out.mkdir()
    (out / ".backup.mlb.partial").symlink_to(victim)
    with Memloci.open(home) as memloci:
        memloci.add("a memory", type="episodic")
        memloci.export_backup(out / "backup.mlb", "backup passphrase 9")
    assert victim.read_text() == "not to be overwritten"
    assert mode(out / "backup.mlb") == 0o600
    assert not (out / ".backup.mlb.partial").exists()
