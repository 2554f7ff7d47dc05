"""The window the person is working in (app, title, URL when the title shows one), read from
X11 just before the popup opens, so suggestions fit where the value will go.

The capture engineer's window-context module (`app.capture`) is preferred when it exists; this
is the small fallback that needs only python-xlib.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_URL = re.compile(r"\bhttps?://\S+")


@dataclass(frozen=True)
class WindowContext:
    app: str = ""
    title: str = ""
    url: str = ""
    window_id: int = 0

    def page(self) -> Any:
        from app.autofill.suggest import PageContext

        return PageContext(url=self.url, title=self.title, app=self.app)


def _from_capture() -> WindowContext | None:
    """The capture module's reading of the active window, when that module is installed."""
    for name in ("app.capture.window", "app.capture.windows", "app.capture.context"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        reader = getattr(module, "active_window", None)
        if not callable(reader):
            continue
        try:
            found = reader()
        except Exception:
            log.debug("capture's window reader failed", exc_info=True)
            return None
        if found is None:
            return None
        return WindowContext(
            app=str(getattr(found, "app", "") or ""),
            title=str(getattr(found, "title", "") or ""),
            url=str(getattr(found, "url", "") or ""),
            window_id=int(getattr(found, "window_id", 0) or 0),
        )
    return None


def _text(conn: Any, window: Any, *names: str) -> str:
    for name in names:
        try:
            prop = window.get_full_property(conn.intern_atom(name), 0)
        except Exception:
            continue
        if prop is not None and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return ""


def active_window(display: str | None = None) -> WindowContext | None:
    """The focused top-level window, or None without X11."""
    if display is None:
        found = _from_capture()
        if found is not None:
            return found
    name = display or os.environ.get("DISPLAY")
    if not name:
        return None
    try:
        from Xlib import X
        from Xlib import display as xdisplay
    except ImportError:
        return None
    try:
        conn = xdisplay.Display(name)
    except Exception:
        return None
    try:
        root = conn.screen().root
        active = root.get_full_property(conn.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        window_id = int(active.value[0]) if active is not None and len(active.value) else 0
        if not window_id:
            focus = conn.get_input_focus().focus
            window_id = focus.id if hasattr(focus, "id") else 0
        if not window_id or window_id == root.id:
            return None
        window = conn.create_resource_object("window", window_id)
        title, app = "", ""
        for _ in range(8):  # the focus may be a child of the titled top-level window
            title = _text(conn, window, "_NET_WM_NAME", "WM_NAME")
            wm_class = window.get_wm_class()
            app = wm_class[1] if wm_class else ""
            if title or app:
                break
            parent = window.query_tree().parent
            if not parent or parent.id == root.id:
                break
            window = parent
        match = _URL.search(title)
        return WindowContext(app, title, match.group(0) if match else "", window.id)
    except Exception:
        log.debug("reading the active window failed", exc_info=True)
        return None
    finally:
        conn.close()
