"""The window the person is working in (app, title, the page's URL when the title shows one),
read just before the popup opens, so suggestions fit where the value will go.

It is the capture engineer's platform layer (`app.capture.platforms`) that reads it: X11 here,
and the other platforms it knows; this module keeps only what autofill needs of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowContext:
    app: str = ""
    title: str = ""
    url: str = ""
    window_id: int = 0
    # What the platform layer read (class, process, pid): X hands a closed window's id to the
    # next window, so typing checks the window in front is still this one (`same_window`).
    identity: Any = field(default=None, compare=False, repr=False)

    def page(self) -> Any:
        from app.autofill.suggest import PageContext

        return PageContext(url=self.url, title=self.title, app=self.app)


def active_window(display: str | None = None) -> WindowContext | None:
    """The focused top-level window, or None where it cannot be read (no display, Wayland)."""
    from app.capture.platforms import PlatformUnavailable

    try:
        if display:
            from app.capture.x11 import X11Platform

            platform: Any = X11Platform(display)
        else:
            from app.capture.detect import detect

            platform = detect()
    except PlatformUnavailable:
        return None
    try:
        found = platform.active_window()
    except Exception:  # a window vanishing under us, an X error: no context, no crash
        log.debug("reading the active window failed", exc_info=True)
        return None
    finally:
        platform.close()
    if found is None:
        return None
    return WindowContext(found.app, found.title, found.url, int(found.window_id or 0), found)


def still_in_front(expected: WindowContext, display: str | None = None) -> bool:
    """Is the window in front now the one `expected` was read from? Not when it closed and
    another program's window got its id, or when the focus went elsewhere."""
    from app.capture.context import same_window

    if expected.identity is None:
        return True  # a platform that cannot say who a window is (nothing to compare)
    live = active_window(display)
    return (
        live is not None
        and live.identity is not None
        and same_window(expected.identity, live.identity)
    )
