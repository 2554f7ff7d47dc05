"""Build the PyInstaller bundle and the .deb, or reuse a build whose inputs did not change.

    .venv/bin/python packaging/build.py [--force] [--no-deb] [--no-measure] [--json]

(scripts/package runs this.) A build lives in a cache folder named by a digest of everything
that goes into it: app/, packaging/, resources/, pyproject.toml, requirements/, the installed
Python packages and the interpreter. The cache is outside the repository
(`$MEMLOCI_PACKAGE_CACHE`, default ~/.cache/memloci-package), so tests and later runs reuse it;
the two newest builds are kept. dist/memloci and dist/memloci_VERSION_ARCH.deb link to the
current one. Prints the bundle size, the .deb size and start-up times.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "memloci.spec"
# What decides the bundle's content (build.py, measure.py and the README do not).
INPUTS = (
    "app",
    "packaging/memloci.spec",
    "packaging/entry.py",
    "packaging/rthook_keep_local.py",
    "packaging/linux",
    "resources",
    "requirements",
    "pyproject.toml",
)
SKIP_PARTS = {"__pycache__", ".ruff_cache", ".pytest_cache"}
KEEP_BUILDS = 2


def cache_root() -> Path:
    configured = os.environ.get("MEMLOCI_PACKAGE_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "memloci-package"


def _input_files() -> Iterator[Path]:
    for name in INPUTS:
        path = ROOT / name
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*")):
            if file.is_file() and not SKIP_PARTS.intersection(file.parts) and file.suffix != ".pyc":
                yield file


def inputs_digest() -> str:
    """What decides the bundle's content; equal digests mean an equal build."""
    digest = hashlib.sha256()
    for file in _input_files():
        digest.update(str(file.relative_to(ROOT)).encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    # The environment's own packages only: sys.path differs between callers (pytest adds the
    # checkout, whose memloci.egg-info would otherwise count), the site folders do not.
    site = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    installed = sorted(
        f"{d.metadata['Name']}=={d.version}"
        for d in metadata.distributions(path=site)
        if d.metadata
    )
    digest.update("\n".join(installed).encode())
    # How llama.cpp was compiled (same version, other CPU flags: another build).
    llama_build = Path(sys.prefix) / ".memloci-llama-build"
    if llama_build.is_file():
        digest.update(llama_build.read_bytes())
    digest.update(f"{sys.version}|{platform.machine()}|{sys.platform}".encode())
    return digest.hexdigest()[:20]


def tree_bytes(path: Path) -> int:
    """Bytes on disk of the files in a tree (links not followed, counted once)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@dataclass
class Build:
    digest: str
    version: str
    folder: str
    bundle: str  # the one-folder build; its `memloci` is the program
    deb: str | None
    bundle_bytes: int
    deb_bytes: int | None
    build_seconds: float
    reused: bool = False

    @property
    def binary(self) -> Path:
        return Path(self.bundle) / ("memloci.exe" if sys.platform == "win32" else "memloci")


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One build at a time per cache (scripts/package and a test may start together)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: builds there are run by hand, one at a time
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _version() -> str:
    sys.path.insert(0, str(ROOT))
    from app import __version__

    return __version__


def _pyinstaller(folder: Path, work: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(folder / "dist"),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    log = folder / "pyinstaller.log"
    with open(log, "w") as out:
        result = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise SystemExit(f"PyInstaller failed (log: {log}):\n{tail}")
    return folder / "dist" / "memloci"


def _prune(root: Path, keep: str) -> None:
    builds = sorted(
        (p for p in root.iterdir() if p.is_dir() and (p / "manifest.json").is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in [b for b in builds if b.name != keep][KEEP_BUILDS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def _link(build: Build) -> None:
    """dist/memloci and dist/<deb name> in the repository point at the cached build."""
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    targets = [Path(build.bundle)] + ([Path(build.deb)] if build.deb else [])
    for stale in dist.glob("memloci*"):
        if stale.is_symlink():
            stale.unlink()
    for target in targets:
        link = dist / target.name
        if link.exists() and not link.is_symlink():
            continue  # something the person put there themselves
        try:
            link.symlink_to(target, target_is_directory=target.is_dir())
        except OSError:  # Windows without the right to make links: the cache path is printed
            pass


def ensure_build(*, force: bool = False, deb: bool = True) -> Build:
    """The bundle (and .deb) for the current inputs: reused from the cache or built now."""
    root = cache_root()
    digest = inputs_digest()
    folder = root / digest
    manifest = folder / "manifest.json"
    with _locked(root):
        if manifest.is_file() and not force:
            build = Build(**json.loads(manifest.read_text()))
            if Path(build.bundle).is_dir() and (not deb or build.deb):
                build.reused = True
                _link(build)
                return build
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.monotonic()
        bundle = _pyinstaller(folder, root / "work")
        deb_path = None
        if deb and sys.platform.startswith("linux") and shutil.which("dpkg-deb"):
            sys.path.insert(0, str(ROOT / "packaging" / "linux"))
            import deb as debian

            deb_path = debian.build(bundle, folder, _version())
        build = Build(
            digest=digest,
            version=_version(),
            folder=str(folder),
            bundle=str(bundle),
            deb=str(deb_path) if deb_path else None,
            bundle_bytes=tree_bytes(bundle),
            deb_bytes=deb_path.stat().st_size if deb_path else None,
            build_seconds=round(time.monotonic() - started, 1),
        )
        manifest.write_text(json.dumps(asdict(build), indent=2))
        _prune(root, digest)
        _link(build)
        return build


def _mib(size: int | None) -> str:
    return "-" if size is None else f"{size / 2**20:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="build even if the cache has it")
    parser.add_argument("--no-deb", action="store_true", help="only the PyInstaller bundle")
    parser.add_argument("--no-measure", action="store_true", help="skip the start-up times")
    parser.add_argument("--runs", type=int, default=3, help="desktop starts to time (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    build = ensure_build(force=args.force, deb=not args.no_deb)
    figures: dict[str, object] = {**asdict(build), "machine": _machine()}
    if not args.no_measure:
        import measure

        first, median, _ = measure.time_version(build.binary)
        figures.update(version_first_s=round(first, 3), version_median_s=round(median, 3))
        missing = measure.missing_display_tools()
        if not sys.platform.startswith("linux"):
            figures["window"] = "not measured: the window is timed on Linux (Xvfb)"
        elif missing:
            figures["window"] = f"not measured: {', '.join(missing)} missing"
        else:
            figures["window"] = {
                k: round(v, 3) for k, v in measure.time_window(build.binary, args.runs).items()
            }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    how = "reused from the cache" if build.reused else f"built in {build.build_seconds:.0f} s"
    print(f"memloci {build.version} ({how}; inputs {build.digest})")
    print(f"  bundle  {build.bundle}  {_mib(build.bundle_bytes)}")
    if build.deb:
        print(f"  .deb    {build.deb}  {_mib(build.deb_bytes)}")
    if "version_median_s" in figures:
        print(
            f"  `memloci --version`: first {figures['version_first_s']:.2f} s, "
            f"then median {figures['version_median_s']:.2f} s"
        )
        window = figures["window"]
        if isinstance(window, dict):
            print(
                f"  desktop app (median of {window['runs']}): window {window['window_s']:.2f} s, "
                f"store open {window['store_open_s']:.2f} s, first-run setup dialog "
                f"{window['setup_dialog_s']:.2f} s"
            )
        else:
            print(f"  desktop app: {window}")
    print(f"  machine: {figures['machine']}")


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} cores, load {load:.1f}, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
