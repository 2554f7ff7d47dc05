"""Wrap the PyInstaller one-folder build as a Debian package (dpkg-deb, no debhelper).

Layout: the bundle in /opt/memloci, /usr/bin/memloci a link to it, the desktop entry, icons
(hicolor PNG sizes and SVG), AppStream metadata and the copyright file. Nothing starts at login
unless the person turns it on in Settings (the app then writes ~/.config/autostart itself).
Depends lists the system packages whose libraries the bundle loads but does not carry, found
with ldd and dpkg -S on the build machine.

    python packaging/linux/deb.py BUNDLE_DIR OUT_DIR VERSION
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ICONS = ROOT / "resources" / "icons"
APP_ID = "io.github.memloci.Memloci"
PREFIX = "/opt/memloci"
RECOMMENDS = "tesseract-ocr, tesseract-ocr-eng, xdotool"
SUGGESTS = "gnome-keyring | kwalletmanager"
# Used when dpkg -S cannot name them (not a Debian build machine): what Qt's X11 and Wayland
# platforms load from the system (OpenGL through glvnd, xcb, wayland).
FALLBACK_DEPENDS = ["libegl1", "libgl1", "libxcb1", "libwayland-client0", "libwayland-cursor0"]
DESCRIPTION = """\
Local-first personal memory: remembers your digital life, encrypted
 Memloci keeps six kinds of memory (core, episodic, semantic, procedural,
 resource and a knowledge vault), stores them encrypted with SQLCipher, and lets
 you search them by words and meaning, trace each one to where it came from and
 take them with you in an encrypted backup. A small language model and the
 embedding model ship inside the package: nothing leaves the machine and the
 first start needs no network.
"""


def architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _system_libraries(bundle: Path) -> set[str]:
    """Absolute paths of libraries outside the bundle that its ELF files resolve to."""
    internal = bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=f"{internal}:{internal / 'PySide6/Qt/lib'}")
    found: set[str] = set()
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        if ".so" not in path.name and path.name != "memloci":
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        for match in re.finditer(r"=>\s+(/\S+)", out):
            target = match.group(1)
            if not target.startswith(str(bundle)):
                found.add(os.path.realpath(target))
    return found


def _owner(path: str) -> str | None:
    """The package owning `path` (dpkg -S; tries the /usr/lib and /lib spellings)."""
    candidates = [path]
    if path.startswith("/usr/lib/"):
        candidates.append(path[len("/usr") :])
    elif path.startswith("/lib/"):
        candidates.append("/usr" + path)
    for candidate in candidates:
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0 and ":" in result.stdout:
            return result.stdout.split(":", 1)[0].strip()
    return None


def _version(package: str) -> str:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True
    )
    upstream = result.stdout.strip().split("-", 1)[0]
    return upstream.split(":", 1)[-1]


def depends(bundle: Path) -> list[str]:
    """Packages the bundle needs from the system; libc6 at least as new as the build's."""
    owners = {_owner(path) for path in _system_libraries(bundle)}
    owners.discard(None)
    packages = sorted(p for p in owners if p) or list(FALLBACK_DEPENDS)
    libc = _version("libc6")
    rest = [p for p in packages if p != "libc6"]
    return [f"libc6 (>= {libc})" if libc else "libc6", *rest]


def _copy_tree(source: Path, target: Path) -> None:
    """Hard links where the file system allows (fast, no extra space), copies otherwise."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy)


def _install(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def stage(bundle: Path, root: Path, version: str) -> Path:
    """Lay out the package tree under `root` (removed first); returns `root`."""
    shutil.rmtree(root, ignore_errors=True)
    _copy_tree(bundle, root / PREFIX.lstrip("/"))
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin/memloci").symlink_to(f"{PREFIX}/memloci")
    share = root / "usr/share"
    _install(HERE / "memloci.desktop", share / "applications/memloci.desktop")
    _install(HERE / f"{APP_ID}.metainfo.xml", share / f"metainfo/{APP_ID}.metainfo.xml")
    for png in sorted(ICONS.glob("memloci-*.png")):
        size = png.stem.split("-")[-1]
        _install(png, share / f"icons/hicolor/{size}x{size}/apps/memloci.png")
    _install(ICONS / "memloci.svg", share / "icons/hicolor/scalable/apps/memloci.svg")
    _install(HERE / "copyright", share / "doc/memloci/copyright")
    for folder in [root, *root.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)
    return root


def control(bundle: Path, root: Path, version: str) -> str:
    size_kib = sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return (
        "Package: memloci\n"
        f"Version: {version}\n"
        f"Architecture: {architecture()}\n"
        "Maintainer: Memloci developers <noreply@memloci.invalid>\n"
        f"Installed-Size: {size_kib // 1024}\n"
        f"Depends: {', '.join(depends(bundle))}\n"
        f"Recommends: {RECOMMENDS}\n"
        f"Suggests: {SUGGESTS}\n"
        "Section: utils\n"
        "Priority: optional\n"
        f"Description: {DESCRIPTION}"
    )


def build(bundle: Path, out_dir: Path, version: str, compression: str = "zstd") -> Path:
    """Build memloci_VERSION_ARCH.deb in `out_dir` from the one-folder `bundle`."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("dpkg-deb is missing: this step needs a Debian or Ubuntu machine.")
    out_dir.mkdir(parents=True, exist_ok=True)
    root = stage(bundle, out_dir / "deb-root", version)
    (root / "DEBIAN").mkdir(mode=0o755)
    (root / "DEBIAN/control").write_text(control(bundle, root, version), encoding="utf-8")
    target = out_dir / f"memloci_{version}_{architecture()}.deb"
    target.unlink(missing_ok=True)
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(root)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    print(build(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
