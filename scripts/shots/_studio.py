"""What the screenshot scripts share: the `--out` folder, an offscreen Qt app over a throw-away
store with a bridge attached, waiting until the panes have drawn, each theme in turn, and the
list of pictures at the end."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "correct horse battery staple"


@dataclass
class Studio:
    """The app, the store (`memloci`), the bridge the panes use, the temporary folder the store
    sits in (`home`), where the pictures go (`out`) and what `prepare` returned (`made`)."""

    app: Any
    memloci: Any
    bridge: Any
    home: Path
    out: Path
    made: Any

    def settle(self, ms: int = 600) -> None:
        """Let Qt run for `ms`, then until every background call is back (20 s at most: a
        closed pane's call may never come back)."""
        from PySide6.QtCore import QEventLoop, QTimer

        for _ in range(ms // 50):
            loop = QEventLoop()
            QTimer.singleShot(50, loop.quit)
            loop.exec()
        deadline = time.monotonic() + 20
        while self.bridge.inflight and time.monotonic() < deadline:
            self.app.processEvents()

    def save(self, widget: Any, name: str, *, after: int = 0) -> None:
        """`widget` as out/`name`.png, once `after` ms have passed and every call is back."""
        if after:
            self.settle(after)
        widget.grab().save(str(self.out / f"{name}.png"))

    def passing(self, widget: Any, name: str, *, after: int = 200) -> None:
        """Show a dialog or form, save it, close it."""
        widget.show()
        self.save(widget, name, after=after)
        widget.close()

    def themes(self) -> Iterator[str]:
        """ "light", then "dark", each applied to the app before it is handed out."""
        from app.ui.theme import apply

        for theme in ("light", "dark"):
            apply(self.app, theme)
            yield theme


@contextmanager
def studio(default_out: str, prepare: Callable[[Any, Path], Any]) -> Iterator[Studio]:
    """Parse `--out`, open a new store, `prepare(memloci, folder)` it before the bridge is
    attached, and close everything after; prints the pictures' paths."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=default_out)
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtWidgets import QApplication

    from app.core import Memloci
    from app.ui.bridge import Bridge

    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        os.environ["MEMLOCI_PASSPHRASE"] = PASSPHRASE
        memloci = Memloci.open(home / "home", PASSPHRASE)
        try:
            made = prepare(memloci, home)
            bridge = Bridge()
            bridge.attach(memloci)
            try:
                yield Studio(app, memloci, bridge, home, out, made)
            finally:
                bridge.shutdown()
        finally:
            memloci.close()
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))
