"""A backup header or keyfile whose key-derivation parameters were altered (by damage or by
someone hostile) is refused in one line, quickly, with its command's exit code: no hang on a huge
pass count, no traceback on a huge memory cost or a wrong type, and never "wrong passphrase" for
a keyfile that is not what Memloci wrote. Each case runs the real CLI in a child process under a
timeout, so a hang fails the test instead of stalling the suite."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.backup import MAGIC
from app.core import Memloci
from tests.conftest import PASSPHRASE, subprocess_env

# A child started by `python -m app` pays ~1-3 s of imports; a hostile parameter that slipped
# through would cost minutes (50,000,000 Argon2 passes) or crash, so 60 s proves "no hang".
TIMEOUT = 60
BACKUP_PASSPHRASE = "backup passphrase for hostile tests"


def cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=subprocess_env(home, **env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# -- backups --------------------------------------------------------------------------------------
def split_backup(path: Path) -> tuple[dict[str, Any], bytes]:
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    header, _, rest = data[len(MAGIC) :].partition(b"\n")
    return json.loads(header), rest


def write_backup(path: Path, header: dict[str, Any], rest: bytes) -> None:
    path.write_bytes(MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + rest)


@pytest.fixture
def backup(home: Path, tmp_path: Path) -> Path:
    with Memloci.open(home) as memloci:
        memloci.add("a memory worth restoring", type="episodic")
        memloci.export_backup(tmp_path / "memories.mlb", BACKUP_PASSPHRASE)
    return tmp_path / "memories.mlb"


def set_kdf(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(header: dict[str, Any]) -> None:
        header["kdf"][name] = value

    return change


def kdf_is(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(header: dict[str, Any]) -> None:
        header["kdf"] = value

    return change


HOSTILE_HEADERS = {
    "50 million passes": set_kdf("time_cost", 50_000_000),
    "4 TiB of memory": set_kdf("memory_cost", 2**32),
    "kdf is a string": kdf_is("argon2id"),
    "kdf is a list": kdf_is([1, 2, 3]),
    "passes as text": set_kdf("time_cost", "3"),
    "passes as a boolean": set_kdf("time_cost", True),
    "no parallel lanes": set_kdf("parallelism", 0),
    "negative memory": set_kdf("memory_cost", -1),
    "unknown algorithm": set_kdf("name", "rot13"),
    "scrypt with a huge cost": kdf_is({"name": "scrypt", "n": 2**40, "r": 8, "p": 1}),
    "a salt of one byte": lambda header: header.update(salt=base64.b64encode(b"x").decode()),
}


@pytest.mark.parametrize("change", HOSTILE_HEADERS.values(), ids=HOSTILE_HEADERS.keys())
def test_a_hostile_backup_header_is_refused_in_one_line(
    home: Path, tmp_path: Path, backup: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    header, rest = split_backup(backup)
    change(header)
    write_backup(backup, header, rest)
    target = tmp_path / "other-home"
    result = cli(target, "import-backup", str(backup), MEMLOCI_BACKUP_PASSPHRASE=BACKUP_PASSPHRASE)
    assert result.returncode == 6, result.stderr
    line = one_line(result)
    assert line.startswith(f"memloci: {backup} is a damaged or hostile file (")
    assert line.endswith("; nothing was imported.")
    assert "passphrase" not in line.lower()


def test_a_backup_header_altered_within_bounds_is_damaged_not_a_wrong_passphrase(
    tmp_path: Path, backup: Path
) -> None:
    header, rest = split_backup(backup)
    header["kdf"]["time_cost"] += 1  # a plausible value: the tag alone cannot tell it apart
    write_backup(backup, header, rest)
    result = cli(
        tmp_path / "other-home",
        "import-backup",
        str(backup),
        MEMLOCI_BACKUP_PASSPHRASE=BACKUP_PASSPHRASE,
    )
    assert result.returncode == 6, result.stderr
    assert "damaged or hostile" in one_line(result)


def test_an_untouched_backup_and_a_wrong_passphrase_still_behave(
    tmp_path: Path, backup: Path
) -> None:
    wrong = cli(
        tmp_path / "h2", "import-backup", str(backup), MEMLOCI_BACKUP_PASSPHRASE="not the one"
    )
    assert wrong.returncode == 4 and "Wrong passphrase for this backup" in one_line(wrong)
    right = cli(
        tmp_path / "h3", "import-backup", str(backup), MEMLOCI_BACKUP_PASSPHRASE=BACKUP_PASSPHRASE
    )
    assert right.returncode == 0, right.stderr
    assert "Imported 1 new" in right.stdout


# -- keyfiles -------------------------------------------------------------------------------------
@pytest.fixture
def store(home: Path) -> Path:
    with Memloci.open(home) as memloci:
        memloci.add("kept behind the keyfile", type="episodic")
    return home / "data" / "keyfile.json"


def edit_keyfile(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        target = raw["kdf"] if name in ("time_cost", "memory_cost", "parallelism") else raw
        target[name] = value

    return change


def shorten(name: str, keep: int) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        raw[name] = base64.b64encode(base64.b64decode(raw[name])[:keep]).decode()

    return change


HOSTILE_KEYFILES = {
    "50 million passes": edit_keyfile("time_cost", 50_000_000),
    "4 TiB of memory": edit_keyfile("memory_cost", 2**32),
    "kdf is a string": edit_keyfile("kdf", "argon2id"),
    "passes as text": edit_keyfile("time_cost", "1"),
    "one more pass": edit_keyfile("time_cost", 2),  # within bounds: only the digest tells
    "install id as a number": edit_keyfile("install_id", 12345),
    "install id altered": edit_keyfile("install_id", "0000000000000000"),
    "salt altered": edit_keyfile("salt", base64.b64encode(b"s" * 16).decode()),
    "salt as a number": edit_keyfile("salt", 7),
    "wrapped key truncated": shorten("wrapped_key", 40),
    "nonce truncated": shorten("nonce", 11),
    "key check truncated": shorten("key_check", 8),
    "digest altered": edit_keyfile("digest", "00" * 32),
}


@pytest.mark.parametrize("change", HOSTILE_KEYFILES.values(), ids=HOSTILE_KEYFILES.keys())
def test_a_tampered_keyfile_is_damaged_not_a_wrong_passphrase(
    home: Path, store: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    raw = json.loads(store.read_text())
    change(raw)
    store.write_text(json.dumps(raw))
    result = cli(home, "list")
    assert result.returncode == 7, result.stderr
    line = one_line(result)
    assert line.startswith(f"memloci: The keyfile {store} is a damaged or hostile file (")
    assert "wrong passphrase" not in line.lower()


@pytest.mark.parametrize(
    "body", [b"", b"{", b"[]", b'{"version": 1}', b"\xff\xfe not json"], ids=repr
)
def test_a_keyfile_that_is_not_json_or_lacks_fields_is_damaged(
    home: Path, store: Path, body: bytes
) -> None:
    store.write_bytes(body)
    result = cli(home, "list")
    assert result.returncode == 7, result.stderr
    assert "is a damaged or hostile file" in one_line(result)


def test_the_right_keyfile_with_a_wrong_passphrase_still_says_so(home: Path, store: Path) -> None:
    result = cli(home, "list", MEMLOCI_PASSPHRASE="wrong passphrase")
    assert result.returncode == 4
    assert one_line(result) == "memloci: Wrong passphrase: the memory store stays locked."
    assert cli(home, "list").returncode == 0


def test_a_keyfile_written_before_digests_opens_and_gains_one(home: Path, store: Path) -> None:
    raw = json.loads(store.read_text())
    raw.pop("digest", None)
    store.write_text(json.dumps(raw))
    with Memloci.open(home, PASSPHRASE) as memloci:
        assert memloci.stats().total == 1
    assert "digest" in json.loads(store.read_text())
    raw = json.loads(store.read_text())
    raw["kdf"]["time_cost"] += 1
    store.write_text(json.dumps(raw))
    result = cli(home, "list")
    assert result.returncode == 7 and "damaged or hostile" in one_line(result)
