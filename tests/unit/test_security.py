"""Encryption at rest: canaries never on disk in clear, wrong passphrases, passphrase change."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.core import Memloci
from app.errors import ConfigError, PassphraseRequired, WrongPassphrase
from app.security.keys import Keyfile
from tests.conftest import PASSPHRASE, subprocess_env

CANARIES = {
    "core": "CanaryCoreBlock7781",
    "episodic": "CanaryEpisodeSummary4411",
    "episodic_details": "CanaryEpisodeDetail9021",
    "actor": "CanaryActorName3310",
    "semantic_name": "CanarySemanticName5531",
    "semantic": "CanarySemanticFact6620",
    "procedural": "CanaryProcStep1204",
    "resource_title": "CanaryResourceTitle8842",
    "resource": "CanaryResourceBody2290",
    "vault_caption": "CanaryVaultCaption1180",
    "vault_secret": "CanaryVaultSecret0042",
    "source": "CanarySourceRef7345",
}


def fill_with_canaries(memloci: Memloci) -> None:
    from app.domain import Source

    c = CANARIES
    src = [Source("chat", c["source"])]
    memloci.add(f"persona {c['core']}", type="core", sources=src)
    memloci.add(
        f"went out {c['episodic']}",
        type="episodic",
        sources=src,
        fields={"details": c["episodic_details"], "actor": c["actor"]},
    )
    semantic = memloci.add(
        f"fact {c['semantic']}", type="semantic", sources=src, fields={"name": c["semantic_name"]}
    )
    memloci.add("how to", type="procedural", fields={"steps": [c["procedural"], "then"]})
    memloci.add(c["resource"], type="resource", fields={"title": c["resource_title"]})
    memloci.add(
        c["vault_caption"],
        type="vault",
        fields={"secret_value": c["vault_secret"], "sensitivity": "high"},
    )
    memloci.update(semantic.id, f"fact updated {c['semantic']}", reason="canary update")
    assert memloci.search(c["semantic"])
    assert memloci.search(c["resource"])


def plaintext_hits(root: Path, needles: list[str]) -> list[str]:
    """Every (file, canary) whose UTF-8, UTF-16 or lowercase form is in the file's bytes."""
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        lowered = data.lower()
        for needle in needles:
            forms = [needle.encode(), needle.encode("utf-16-le"), needle.lower().encode()]
            if any(f in data or f in lowered for f in forms):
                found.append(f"{path.relative_to(root)}: {needle}")
    return found


def test_no_memory_text_on_disk_in_plaintext(home: Path, memloci: Memloci) -> None:
    fill_with_canaries(memloci)
    # While open (WAL present) and after closing (checkpointed): nothing readable.
    assert plaintext_hits(home, list(CANARIES.values())) == []
    memloci.export_backup(home / "backup.mlb", PASSPHRASE)
    memloci.close()
    assert plaintext_hits(home, list(CANARIES.values())) == []
    # The check itself can fail: an unencrypted copy would be caught.
    (home / "cache" / "leak.txt").write_text(CANARIES["episodic"])
    assert plaintext_hits(home, [CANARIES["episodic"]]) == [
        "cache/leak.txt: " + CANARIES["episodic"]
    ]


def test_cli_session_leaves_no_plaintext_in_data_logs_or_cache(home: Path) -> None:
    env = subprocess_env(home)
    run = [sys.executable, "-m", "app"]
    secret = "CanaryCliSecret5561"
    note = "CanaryCliNote8812"
    for args, stdin in (
        (["add", note, "-t", "episodic"], None),
        (["add", "cli vault", "-t", "vault"], secret),
        (["search", note, "--json"], None),
        (["list", "--json"], None),
        (["stats"], None),
        (["doctor"], None),
        (["add", "", "-t", "episodic"], None),  # an error path logs too
    ):
        subprocess.run(
            run + args,
            env=env,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert (home / "logs" / "memloci.log").exists()
    assert plaintext_hits(home, [secret, note]) == []


def test_wrong_passphrase_is_one_line_nonzero_and_touches_nothing(home: Path) -> None:
    memloci = Memloci.open(home)
    memloci.add("something private", type="episodic")
    memloci.close()
    before = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (home / "data").iterdir()
        if p.is_file()
    }
    with pytest.raises(WrongPassphrase):
        Memloci.open(home, passphrase="wrong passphrase")
    result = subprocess.run(
        [sys.executable, "-m", "app", "list"],
        env=subprocess_env(home, MEMLOCI_PASSPHRASE="wrong passphrase"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == "memloci: Wrong passphrase: the memory store stays locked."
    after = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (home / "data").iterdir()
        if p.is_file()
    }
    assert after == before
    assert Memloci.open(home).stats().total == 1


def test_locked_store_without_any_passphrase_source_says_how(home: Path, monkeypatch) -> None:
    Memloci.open(home).close()
    monkeypatch.delenv("MEMLOCI_PASSPHRASE")
    with pytest.raises(PassphraseRequired, match="MEMLOCI_PASSPHRASE"):
        Memloci.open(home)


def test_passphrase_change_rewraps_the_key_and_keeps_every_memory(home: Path) -> None:
    memloci = Memloci.open(home)
    ids = [memloci.add(f"memory {n}", type="episodic").id for n in range(5)]
    secret = memloci.add("pin", type="vault", fields={"secret_value": "9876"})
    memloci.change_passphrase(PASSPHRASE, "a brand new passphrase")
    memloci.close()
    with pytest.raises(WrongPassphrase):
        Memloci.open(home, passphrase=PASSPHRASE)
    reopened = Memloci.open(home, passphrase="a brand new passphrase")
    assert {m.id for m in reopened.list(limit=100)} == {*ids, secret.id}
    assert reopened.reveal(secret.id) == "9876"
    with pytest.raises(WrongPassphrase):
        reopened.change_passphrase("not the old one", "another new passphrase")
    reopened.close()


def test_passphrase_change_from_the_cli(home: Path) -> None:
    env = subprocess_env(home)
    subprocess.run(
        [sys.executable, "-m", "app", "add", "kept across change"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    changed = subprocess.run(
        [sys.executable, "-m", "app", "passphrase", "change"],
        env={**env, "MEMLOCI_NEW_PASSPHRASE": "changed passphrase 2"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert changed.returncode == 0, changed.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "app", "list", "--json"],
        env={**env, "MEMLOCI_PASSPHRASE": "changed passphrase 2"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert [m["text"] for m in json.loads(listed.stdout)] == ["user: kept across change"]


def test_keyfile_uses_argon2id_and_a_per_install_salt(tmp_path: Path) -> None:
    first, _ = Keyfile.create(tmp_path / "a.json", PASSPHRASE)
    second, _ = Keyfile.create(tmp_path / "b.json", PASSPHRASE)
    assert first.kdf["name"] == "argon2id"
    assert first.salt != second.salt and first.wrapped != second.wrapped
    raw = json.loads((tmp_path / "a.json").read_text())
    assert set(raw) == {
        "version",
        "install_id",
        "kdf",
        "salt",
        "nonce",
        "wrapped_key",
        "key_check",
        "digest",  # tells an edited or damaged keyfile from a wrong passphrase
    }
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o600


def test_short_passphrase_is_refused_and_nothing_is_created(home: Path) -> None:
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput, match="at least 8"):
        Memloci.open(home, passphrase="short")
    assert not (home / "data" / "keyfile.json").exists()
    assert not (home / "data" / "memloci.db").exists()


def test_missing_keyfile_with_a_database_is_a_clear_error(home: Path) -> None:
    Memloci.open(home).close()
    (home / "data" / "keyfile.json").unlink()
    with pytest.raises(ConfigError, match=r"keyfile .* is missing"):
        Memloci.open(home)


def test_memloci_home_moves_every_folder(tmp_path: Path, monkeypatch) -> None:
    from app.paths import Paths

    paths = Paths.resolve(tmp_path / "elsewhere")
    assert {p.parent for p in (paths.data, paths.config, paths.cache, paths.logs)} == {
        (tmp_path / "elsewhere").resolve()
    }
    monkeypatch.delenv("MEMLOCI_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    default = Paths.resolve()
    assert default.data == tmp_path / "xdg-data" / "memloci"
    assert Paths.resolve("") == default
    monkeypatch.setenv("MEMLOCI_HOME", "")
    assert Paths.resolve() == default
