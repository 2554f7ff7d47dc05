"""Write the application icon PNGs in resources/icons/ from the mark the app draws itself
(app/ui/icons.py), so the installed icon and the window icon are the same picture.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # the hicolor theme's usual sizes


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtGui import QGuiApplication

    from app.ui import icons

    app = QGuiApplication(sys.argv[:1])
    out = ROOT / "resources" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        pixmap, painter = icons._pixmap(size)
        icons._draw_mark(painter, size)
        painter.end()
        path = out / f"memloci-{size}.png"
        if not pixmap.save(str(path), "PNG"):
            raise SystemExit(f"could not write {path}")
        print(path.relative_to(ROOT))
    del app


if __name__ == "__main__":
    main()
