"""The passphrase stays inside the process that needs it: the CLI takes the passphrase
variables out of the environment at start, so child processes (tesseract during `doctor`, gcc
and ld behind ctypes, xdotool, Qt probes) never see them, and /proc/PID/environ no longer shows
them; a process that holds the data key writes no core dump and is not dumpable. Checked with
real child processes of the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.core import Memloci
from tests.conftest import PASSPHRASE, subprocess_env

NEW = "the next passphrase 42"
BACKUP = "the backup passphrase 77"
SECRETS = {
    "MEMLOCI_PASSPHRASE": PASSPHRASE,
    "MEMLOCI_NEW_PASSPHRASE": NEW,
    "MEMLOCI_BACKUP_PASSPHRASE": BACKUP,
}
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="/proc and prctl are Linux's")


def spy_program(folder: Path, name: str, dump: Path, output: str) -> None:
    """A stand-in for `name` on PATH that records the environment it was started with."""
    folder.mkdir(exist_ok=True)
    program = folder / name
    program.write_text(
        "#!/bin/sh\n"
        f'env -0 > "{dump}.$$"\n'
        f'cat /proc/$PPID/environ > "{dump}.parent.$$" 2>/dev/null\n'
        f"echo '{output}'\n"
    )
    program.chmod(0o755)


def leaked(data: bytes) -> list[str]:
    return [name for name, value in SECRETS.items() if value.encode() in data]


@linux_only
def test_doctor_children_see_no_passphrase_and_nor_does_proc_environ(
    home: Path, tmp_path: Path
) -> None:
    Memloci.open(home).close()
    bin_dir, dump = tmp_path / "bin", tmp_path / "env"
    spy_program(bin_dir, "tesseract", dump, "tesseract 5.3.0")
    env = subprocess_env(home, **SECRETS)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        [sys.executable, "-m", "app", "doctor", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert "tesseract 5.3.0" in checks["ocr"]["detail"]  # our spy ran as doctor's child
    assert checks["store"]["status"] == "ok", checks["store"]  # the passphrase still unlocked
    children = sorted(tmp_path.glob("env.[0-9]*"))
    assert children, "the spy never ran"
    for child in children:
        seen = child.read_bytes()
        assert b"MEMLOCI_HOME=" in seen  # the spy did record the environment
        assert leaked(seen) == [] and b"MEMLOCI_PASSPHRASE" not in seen
    # What the kernel shows of doctor's own environment (readable by a same-user process only
    # when it is dumpable, or by root) no longer carries the values either.
    for parent in tmp_path.glob("env.parent.*"):
        assert leaked(parent.read_bytes()) == []


HOLDER = textwrap.dedent(
    """
    import ctypes, json, os, resource, subprocess, sys
    from app.cli import main

    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
    try:
        with open("/proc/self/environ", "rb") as handle:
            environ = handle.read().decode("latin-1")
    except PermissionError:  # not dumpable and not root: not even this process may read it
        environ = None
    with open("/proc/self/limits") as handle:
        core = [line for line in handle if line.startswith("Max core file size")][0]
    child = subprocess.run(["env"], capture_output=True, text=True).stdout
    print(json.dumps({
        "left": [name for name in os.environ if "PASSPHRASE" in name],
        "environ": environ,
        "core_limit": resource.getrlimit(resource.RLIMIT_CORE),
        "core_line": core.split()[4:6],
        "dumpable": ctypes.CDLL(None).prctl(3, 0, 0, 0, 0),
        "child": child,
    }))
    """
)


@linux_only
@pytest.mark.parametrize("command", [["stats"], ["export", "out.mlb"], ["config", "show"]])
def test_a_cli_process_keeps_no_passphrase_in_its_environment_and_writes_no_core(
    home: Path, tmp_path: Path, command: list[str]
) -> None:
    Memloci.open(home).close()
    result = subprocess.run(
        [sys.executable, "-c", HOLDER, *command],
        env=subprocess_env(home, **SECRETS),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["left"] == []
    assert report["environ"] is None or leaked(report["environ"].encode("latin-1")) == []
    assert leaked(report["child"].encode()) == [] and "MEMLOCI_HOME" in report["child"]
    assert report["core_limit"] == [0, 0] and report["core_line"] == ["0", "0"]
    assert report["dumpable"] == 0
    if command[0] == "export":  # the backup passphrase was used, after being taken
        check = Memloci.open(tmp_path / "fresh")
        assert check.import_backup(tmp_path / "out.mlb", BACKUP)["added"] == 0
        check.close()


def test_the_in_process_cli_takes_the_variables_and_still_uses_them(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from app.cli import main

    monkeypatch.setenv("MEMLOCI_BACKUP_PASSPHRASE", BACKUP)
    for args in (["add", "taken but kept"], ["export", str(tmp_path / "b.mlb")], ["list"]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 0, capsys.readouterr().err
        assert "MEMLOCI_PASSPHRASE" not in os.environ
        assert "MEMLOCI_BACKUP_PASSPHRASE" not in os.environ
    assert "taken but kept" in capsys.readouterr().out
    with Memloci.open(tmp_path / "other") as other:  # library use in the same process
        assert other.import_backup(tmp_path / "b.mlb", BACKUP)["added"] == 1


def test_a_variable_set_again_later_wins_over_the_one_taken(home: Path, monkeypatch) -> None:
    from app.security.hardening import secret_env, take_secret_env

    take_secret_env()
    assert "MEMLOCI_PASSPHRASE" not in os.environ
    assert secret_env("MEMLOCI_PASSPHRASE") == PASSPHRASE
    monkeypatch.setenv("MEMLOCI_PASSPHRASE", "set again later")
    assert secret_env("MEMLOCI_PASSPHRASE") == "set again later"
    monkeypatch.setenv("MEMLOCI_NEW_PASSPHRASE", "")
    assert secret_env("MEMLOCI_NEW_PASSPHRASE") is None  # empty means not set, as before


@linux_only
def test_opening_a_store_as_a_library_protects_the_process(home: Path, tmp_path: Path) -> None:
    code = (
        "import ctypes, resource, sys\n"
        "from app.core import Memloci\n"
        "Memloci.open(sys.argv[1]).close()\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE), ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(home)],
        env=subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split("\n")[-2] == "(0, 0) 0"
