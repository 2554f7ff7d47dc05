"""A window whose title names a password manager is not captured whatever application shows it
(a terminal titled "Passwords - KeePassXC", a browser on a web vault); stores made before these
title rules existed get them once, and a default the person removed stays removed. The capture
loop, `memloci capture check` and the facade's check (the Privacy pane) give one answer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.capture.context import WindowContext
from app.capture.rules import DEFAULTS, would_capture
from tests.conftest import subprocess_env
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

PASSWORD_MANAGER_TITLES = [
    "Passwords - KeePassXC",
    "Passwords.kdbx [Locked] - KeePassXC",
    "Database.kdbx - KeePass",
    "All Items — 1Password",
    "Bitwarden",
    "Vaults | Bitwarden Web vault — Mozilla Firefox",
    "Vaultwarden Web - Chromium",
    "Enpass",
    "LastPass: Vault - Google Chrome",
    "Dashlane - Passwords",
    "Proton Pass",
    "Passwords and Keys",
    "kdewallet - KWalletManager",
    "KDE Wallet Manager",
]
CHECK = ("--app", "xterm", "--title", "Passwords - KeePassXC")
ORDINARY_TITLES = [
    "~/src",
    "report.docx - LibreOffice Writer",
    "Password policy draft.odt - LibreOffice Writer",
    "Seahorse - Wikipedia — Mozilla Firefox",
    "Passport renewal checklist",
    "Bitcoin price - Chromium",
]


@pytest.mark.parametrize("title", PASSWORD_MANAGER_TITLES)
def test_a_password_managers_title_is_excluded_in_any_application(title: str) -> None:
    for app, wm_class in (("XTerm", ("xterm", "XTerm")), ("Firefox", ("Navigator", "firefox"))):
        context = WindowContext(app=app, title=title, wm_class=wm_class, process=wm_class[0])
        allowed, why = would_capture(context)
        assert not allowed, title
        assert why.startswith("excluded by ") and "window title matches" in why


@pytest.mark.parametrize("title", ORDINARY_TITLES)
def test_ordinary_titles_are_still_captured(title: str) -> None:
    context = WindowContext(app="XTerm", title=title, wm_class=("xterm", "XTerm"))
    assert would_capture(context) == (True, "no exclusion rule matches")


def test_every_password_manager_excluded_by_application_has_a_title_rule() -> None:
    managers = {r.pattern for r in DEFAULTS if r.kind == "app" and "password manager" in r.note}
    titles = [r.pattern for r in DEFAULTS if r.kind == "title"]
    for pattern in managers:
        name = pattern.replace("*", " ").split()[0]  # keepass*, proton*pass, kwalletmanager*
        assert any(name[:7] in title for title in titles), pattern


def _forget_later_defaults(memloci) -> int:
    """Make the store look as a release before the title rules left it: the first defaults,
    no record of later ones."""
    with memloci._parts.database.write() as db:
        db.conn.execute("DELETE FROM capture_rules WHERE kind = 'title' AND note LIKE 'password%'")
        db.conn.execute("DELETE FROM capture_state WHERE key = 'defaults_version'")
    return len(memloci._parts.database.query("SELECT id FROM capture_rules"))


def test_a_store_made_before_the_title_rules_gets_them_once(home) -> None:
    from app.core import Memloci

    memloci = Memloci.open(home)
    try:
        before = _forget_later_defaults(memloci)
        memloci.capture.exclude("title", "*bank*", "mine")
    finally:
        memloci.close()
    memloci = Memloci.open(home)  # an upgrade: the same store, opened by this release
    try:
        rules = memloci.capture.rules()
        titles = {r.pattern: r for r in rules if r.kind == "title"}
        assert "*keepass*" in titles and titles["*keepass*"].origin == "default"
        assert "*bank*" in titles and titles["*bank*"].origin == "user"
        assert len(rules) == len(DEFAULTS) + 1 > before + 1
        allowed, why = memloci.capture.would_capture(
            WindowContext.of(app="xterm", title="Passwords - KeePassXC")
        )
        assert not allowed and "*keepass*" in why
        memloci.capture.unexclude(titles["*keepass*"].id)  # the person wants these windows
    finally:
        memloci.close()
    memloci = Memloci.open(home)
    try:
        patterns = [r.pattern for r in memloci.capture.rules()]
        assert "*keepass*" not in patterns and "*bitwarden*" in patterns
        assert memloci.capture.would_capture(WindowContext.of(app="xterm", title="x - KeePassXC"))[
            0
        ]
    finally:
        memloci.close()


def test_the_loop_the_command_line_and_the_check_agree(memloci, home) -> None:
    _forget_later_defaults(memloci)  # an older store: the title rules arrive on first use
    screen, clock = FakeScreen(), Clock()
    screen.open("XTerm", "Passwords - KeePassXC", ["Marmosetkey entry", "Quokkasecret 7Hq2"])
    service = fake_capture(memloci, screen, clock)
    result = service.tick()
    assert result.activity == "excluded" and "*keepass*" in result.detail
    assert service.fake_grabber.grabs == 0 and memloci.search("marmosetkey") == []
    allowed, why = memloci.capture.would_capture(screen.windows[screen.front].context)
    assert not allowed and why == result.detail
    memloci.close()
    checked = subprocess.run(
        [sys.executable, "-m", "app", "capture", "check", "--json", *CHECK],
        env=subprocess_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    answer = json.loads(checked.stdout)
    assert answer["capture"] is False and answer["reason"] == result.detail
