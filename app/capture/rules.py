"""Exclusion rules: which windows are never captured (never grabbed, OCR'd or stored).

A rule matches by application (WM_CLASS, process or display name), by window title or by page
address, each a case-insensitive glob. `would_capture` is a pure function: the capture loop, the
CLI and the GUI's live check all ask it the same question.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from app.capture.context import WindowContext
from app.errors import InvalidInput
from app.store.migrations.m0030_capture import DEFAULT_RULES

KINDS = ("app", "title", "url")


@dataclass(frozen=True)
class ExclusionRule:
    kind: str
    pattern: str
    note: str = ""
    id: int = 0
    origin: str = "user"

    def matches(self, context: WindowContext) -> bool:
        test = _compiled(self.pattern.lower())
        if self.kind == "app":
            return any(test(name) for name in context.names())
        if self.kind == "title":
            return bool(context.title) and test(context.title.lower())
        if self.kind == "url":
            if not context.url:
                return False
            url = context.url.lower()
            bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url)
            return test(url) or test(bare)
        return False

    def describe(self) -> str:
        what = {"app": "application", "title": "window title", "url": "address"}[self.kind]
        label = f"{what} matches {self.pattern!r}"
        return f"{label} ({self.note})" if self.note else label

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "pattern": self.pattern,
            "note": self.note,
            "origin": self.origin,
        }


# Defaults added after capture's first schema step (whose rules are DEFAULT_RULES), each with
# the defaults version that brought it: (version, kind, pattern, note). A store made before gets
# each once (`CaptureStore.rules`), so a default the person removed stays removed.
LATER_DEFAULTS: tuple[tuple[int, str, str, str], ...] = (
    # A password manager's name in a title means its secrets may be on screen, whichever
    # program shows the window: a terminal, a wrapper or sandbox, a browser on a web vault.
    (2, "title", "*keepass*", "password manager"),
    (2, "title", "*1password*", "password manager"),
    (2, "title", "*bitwarden*", "password manager"),
    (2, "title", "*vaultwarden*", "password manager (Bitwarden web vault)"),
    (2, "title", "*enpass*", "password manager"),
    (2, "title", "*lastpass*", "password manager"),
    (2, "title", "*dashlane*", "password manager"),
    (2, "title", "*proton pass*", "password manager"),
    (2, "title", "passwords and keys", "password and key manager (Seahorse)"),
    (2, "title", "*kwallet*", "password manager"),
    (2, "title", "*kde wallet*", "password manager"),
)
DEFAULTS_VERSION = max(version for version, *_ in LATER_DEFAULTS)

DEFAULTS: tuple[ExclusionRule, ...] = tuple(
    ExclusionRule(kind, pattern, note, origin="default")
    for kind, pattern, note in (*DEFAULT_RULES, *(rule[1:] for rule in LATER_DEFAULTS))
)


@lru_cache(maxsize=512)
def _compiled(pattern: str):
    return re.compile(fnmatch.translate(pattern), re.S).match


def check_rule(kind: str, pattern: str) -> tuple[str, str]:
    """A rule as it will be stored, or one sentence saying what is wrong with it."""
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        raise InvalidInput(f"Unknown rule kind {kind!r}; use --app, --title or --url.")
    pattern = " ".join((pattern or "").split())
    if not pattern:
        raise InvalidInput("The pattern is empty; give a name or a glob such as '*bank*'.")
    if len(pattern) > 200:
        raise InvalidInput("A pattern is limited to 200 characters.")
    if pattern.strip("*?") == "":
        raise InvalidInput(
            f"The pattern {pattern!r} would exclude every window; "
            "use `memloci capture pause` to stop capturing."
        )
    return kind, pattern


def would_capture(
    context: WindowContext | None, rules: Iterable[ExclusionRule] | None = None
) -> tuple[bool, str]:
    """(True, why) when this window may be captured; (False, why not) when it may not.

    `rules` defaults to the built-in defaults; the capture loop passes the stored rules.
    """
    if context is None:
        return False, "no window is in front"
    if context.private:
        return False, "private/incognito browser window"
    for rule in DEFAULTS if rules is None else rules:
        if rule.matches(context):
            ref = f"rule {rule.id}: " if rule.id else ""
            return False, f"excluded by {ref}{rule.describe()}"
    return True, "no exclusion rule matches"
