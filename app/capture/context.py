"""The window in front: who shows it (application, process), what it is called, which page.

Pure values and text helpers, no platform calls: platforms fill `WindowContext`; rules, sessions
and summaries read it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True)
class Rect:
    """A rectangle in screen pixels (left, top, width, height)."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    def intersect(self, other: Rect) -> Rect | None:
        left, top = max(self.left, other.left), max(self.top, other.top)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        if right <= left or bottom <= top:
            return None
        return Rect(left, top, right - left, bottom - top)

    def to_dict(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class WindowContext:
    """One window as the platform reports it. `app` is the name people know it by."""

    app: str
    title: str = ""
    wm_class: tuple[str, ...] = ()
    process: str = ""
    pid: int = 0
    url: str = ""
    window_id: int = 0
    rect: Rect | None = None
    private: bool = False
    """A private/incognito browser window (from its title or its command line)."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, app: str = "", title: str = "", url: str = "", **more: Any) -> WindowContext:
        """A context from loose values (the GUI's "would this be captured?" check, tests)."""
        wm = more.pop("wm_class", ())
        if isinstance(wm, str):
            wm = (wm,)
        return cls(
            app=app or (wm[0] if wm else ""), title=title, url=url, wm_class=tuple(wm), **more
        )

    def names(self) -> tuple[str, ...]:
        """Every name an app rule may match: display name, WM_CLASS parts, process name."""
        found = [self.app, *self.wm_class, self.process]
        return tuple(dict.fromkeys(n.strip().lower() for n in found if n and n.strip()))

    def key(self) -> str:
        """Identity of "the same window" for sessions: app, window (its id and the process
        showing it: X gives a closed window's id to the next window), title without the markers
        editors add for unsaved changes, and the page's address without its query."""
        title = normalize_title(self.title)
        page = strip_query(self.url)
        raw = f"{self.app.lower()}\x1f{self.window_id}\x1f{self.pid}\x1f{title}\x1f{page}"
        return hashlib.blake2s(raw.encode("utf-8", "replace"), digest_size=12).hexdigest()

    def with_text(self, title: str, url: str) -> WindowContext:
        return replace(self, title=title, url=url)

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "title": self.title,
            "wm_class": list(self.wm_class),
            "process": self.process,
            "pid": self.pid,
            "url": self.url,
            "window_id": self.window_id,
            "rect": self.rect.to_dict() if self.rect else None,
            "private": self.private,
        }


def same_window(a: WindowContext, b: WindowContext) -> bool:
    """Is `b` the window `a` was? The id alone does not say: X hands a closed window's id to
    the next window, so the class and process showing it must match too (not the title or
    place, which change while a window lives)."""
    return (
        a.window_id == b.window_id
        and a.wm_class == b.wm_class
        and a.pid == b.pid
        and a.process == b.process
    )


BROWSERS = frozenset(
    """chromium chromium-browser google-chrome chrome brave brave-browser firefox firefox-esr
    navigator librewolf waterfox vivaldi vivaldi-stable opera microsoft-edge msedge epiphany
    org.gnome.epiphany falkon konqueror qutebrowser midori safari min floorp zen""".split()
)
_PRIVATE_FLAGS = ("--incognito", "--private-window", "-private-window", "-private", "--inprivate")
_DIRTY = re.compile(r"^\s*(?:[*●•✱]\s*)+|\s*(?:[*●•✱]\s*)+$|\s+\((?:modified|edited)\)")
_URL = re.compile(r"\b(?:https?://|file://)[^\s<>\"'|]+", re.I)
_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24})(?::\d{2,5})?(?:/[^\s]*)?$", re.I
)
_SUFFIX = re.compile(r"^(?P<subject>.*?)\s+[-–—|]\s+(?P<app>[^-–—|]{2,60})$")
_SENSITIVE_PARAM = re.compile(
    r"(?:^|[_-])(?:token|key|secret|sig|signature|password|passwd|pwd|auth|code|session|sid|"
    r"credential|otp|jwt|access|refresh|bearer|state)(?:$|[_-])|^(?:x-amz-|apikey|api_key)",
    re.I,
)


def is_browser(context: WindowContext) -> bool:
    return any(n in BROWSERS or n.split(" ")[0] in BROWSERS for n in context.names())


def private_from_cmdline(argv: list[str]) -> bool:
    """A browser started for private browsing says so on its command line."""
    return any(arg.lower() in _PRIVATE_FLAGS for arg in argv)


def normalize_title(title: str) -> str:
    """The title without unsaved-change markers ("*report.docx", "● main.py")."""
    return " ".join(_DIRTY.sub("", title).split())


def strip_query(url: str) -> str:
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def clean_url(url: str) -> str:
    """The address without credentials, fragments and parameters that carry secrets."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _SENSITIVE_PARAM.search(k)
    ]
    return urlunsplit((parts.scheme, host, parts.path, urlencode(query), ""))[:500]


def url_from_title(title: str) -> str:
    """The address a browser title shows: a full URL in it, or a bare host name, which
    Chromium and Firefox use as the title of pages that have none."""
    match = _URL.search(title)
    if match:
        return match.group(0).rstrip(".,;)")
    subject = split_title(title)[0].strip()
    if subject and " " not in subject and _HOST.match(subject):
        return "https://" + subject
    return ""


def split_title(title: str) -> tuple[str, str]:
    """("report.docx", "LibreOffice Writer") from "report.docx - LibreOffice Writer"."""
    match = _SUFFIX.match(normalize_title(title))
    if not match:
        return normalize_title(title), ""
    return match.group("subject").strip(), match.group("app").strip()


def display_app(wm_class: tuple[str, ...], process: str, title: str) -> str:
    """The name people know an application by: the title's suffix when it names the app,
    else WM_CLASS's class part, else the process name."""
    _, suffix = split_title(title)
    candidates = [c.lower() for c in (*wm_class, process) if c]
    if suffix and candidates:
        squashed = re.sub(r"[^a-z0-9]", "", suffix.lower())
        for name in candidates:
            core = re.sub(r"[^a-z0-9]", "", name.split(" ")[0].split(".")[-1])
            if core and len(core) >= 3 and (core in squashed or squashed in core):
                return suffix
    if len(wm_class) > 1 and wm_class[1]:
        name = wm_class[1]
    elif wm_class and wm_class[0]:
        name = wm_class[0]
    else:
        name = process or "unknown"
    name = name.split(" ")[0].split(".")[-1] if "." in name and " " not in name else name
    return name[:1].upper() + name[1:]


_VERBS = (
    (("writer", "word", "docs", "libreoffice", "abiword", "onlyoffice", "wps"), "Editing"),
    (
        ("code", "vim", "emacs", "gedit", "kate", "sublime", "jetbrains", "idea", "pycharm"),
        "Editing",
    ),
    (("calc", "excel", "sheets", "gnumeric"), "Working on"),
    (("impress", "powerpoint", "slides", "keynote"), "Working on"),
    (("thunderbird", "mail", "outlook", "evolution", "geary"), "Reading mail:"),
    (("terminal", "konsole", "xterm", "alacritty", "kitty", "tilix", "wezterm"), "In a terminal:"),
    (("slack", "discord", "teams", "signal", "telegram", "element", "zoom", "chat"), "Chatting:"),
    (("evince", "okular", "acrobat", "zathura", "reader", "pdf"), "Reading"),
)


def summary(context: WindowContext, focused: bool = True) -> str:
    """One line for the episodic record: "Editing report.docx in LibreOffice Writer"."""
    subject, _ = split_title(context.title)
    app = context.app or "an application"
    if is_browser(context):
        verb = "Browsing" if focused else "Viewing"
        host = urlsplit(context.url).hostname if context.url else ""
        if subject and host and host not in subject:
            subject = f"{subject} ({host})"
        subject = subject or host
    else:
        names = " ".join(context.names())
        verb = next((v for keys, v in _VERBS if any(k in names for k in keys)), "Using")
        if not focused:
            verb = "Viewing"
    if not subject or subject.lower() == app.lower():
        return f"{'Using' if focused else 'Viewing'} {app}"
    if verb == "Using":
        return f"Using {app}: {subject}"
    if verb.endswith(":"):
        return f"{verb} {subject} ({app})"
    return f"{verb} {subject} in {app}"
