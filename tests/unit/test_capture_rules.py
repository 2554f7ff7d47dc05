"""Exclusion rules, `would_capture`, and what a window's context says (app, title, address)."""

from __future__ import annotations

import pytest

from app.capture.context import (
    WindowContext,
    clean_url,
    display_app,
    normalize_title,
    private_from_cmdline,
    split_title,
    summary,
    url_from_title,
)
from app.capture.platforms import is_locker, make_context, parse_front, parse_hid_idle
from app.capture.rules import ExclusionRule, check_rule, would_capture
from app.errors import InvalidInput


@pytest.mark.parametrize(
    ("context", "why"),
    [
        (WindowContext.of(app="KeePassXC", wm_class=("keepassxc", "KeePassXC")), "keepassxc"),
        (WindowContext.of(app="1Password", title="Vault - 1Password"), "1password"),
        (WindowContext.of(app="Bitwarden", title="My vault"), "bitwarden"),
        (
            WindowContext.of(app="Firefox", title="Bank — Mozilla Firefox Private Browsing"),
            "private",
        ),
        (WindowContext.of(app="Chromium", title="New Incognito Tab - Chromium"), "incognito"),
        (WindowContext.of(app="Edge", title="Page - InPrivate - Microsoft Edge"), "inprivate"),
        (WindowContext.of(app="i3lock"), "i3lock"),
        (WindowContext.of(app="Memloci", title="Memloci"), "memloci"),
        (WindowContext.of(app="Firefox", title="Logins", url="about:logins"), "about:logins"),
        (WindowContext.of(app="Chromium", title="x", private=True), "private/incognito"),
    ],
)
def test_defaults_exclude_password_managers_private_windows_lock_screens_and_memloci(
    context: WindowContext, why: str
) -> None:
    allowed, reason = would_capture(context)
    assert not allowed
    assert why in reason.lower()


def test_ordinary_windows_are_captured() -> None:
    for context in (
        WindowContext.of(app="LibreOffice Writer", title="report.docx - LibreOffice Writer"),
        WindowContext.of(app="Chromium", title="News - Chromium", url="https://news.example.com/"),
        WindowContext.of(app="Terminal", title="~/src"),
    ):
        assert would_capture(context) == (True, "no exclusion rule matches")
    assert would_capture(None) == (False, "no window is in front")


def test_user_rules_match_app_title_and_url_globs_case_insensitively() -> None:
    rules = [
        ExclusionRule("app", "gnome-calc*", id=40),
        ExclusionRule("title", "*payroll*", id=41),
        ExclusionRule("url", "*.mybank.com/*", id=42),
    ]
    calc = WindowContext.of(app="Calculator", wm_class=("gnome-calculator", "Gnome-calculator"))
    assert would_capture(calc, rules) == (
        False,
        "excluded by rule 40: application matches 'gnome-calc*'",
    )
    assert not would_capture(WindowContext.of(app="Calc", title="PAYROLL 2024.ods"), rules)[0]
    bank = WindowContext.of(app="Chromium", title="x", url="https://www.mybank.com/accounts")
    assert not would_capture(bank, rules)[0]
    assert would_capture(
        WindowContext.of(app="Chromium", title="x", url="https://bank.org/"), rules
    )[0]


def test_rules_are_checked_before_they_are_stored() -> None:
    assert check_rule("APP", "  Foo   Bar ") == ("app", "Foo Bar")
    for kind, pattern in (("colour", "x"), ("app", " "), ("title", "**"), ("url", "x" * 201)):
        with pytest.raises(InvalidInput):
            check_rule(kind, pattern)


def test_rules_survive_in_the_store_and_can_be_removed(memloci) -> None:
    before = len(memloci.capture.rules())
    rule = memloci.capture.exclude("title", "*payroll*", "salaries")
    assert rule.origin == "user" and len(memloci.capture.rules()) == before + 1
    with pytest.raises(InvalidInput):
        memloci.capture.exclude("title", "*payroll*")
    assert not memloci.capture.would_capture(WindowContext.of(app="Calc", title="Payroll.ods"))[0]
    memloci.capture.unexclude(rule.id)
    assert memloci.capture.would_capture(WindowContext.of(app="Calc", title="Payroll.ods"))[0]


def test_titles_apps_and_addresses() -> None:
    assert split_title("report.docx - LibreOffice Writer") == ("report.docx", "LibreOffice Writer")
    assert normalize_title("● main.py - Code") == "main.py - Code"
    assert normalize_title("*notes.txt - gedit") == "notes.txt - gedit"
    assert (
        display_app(
            ("libreoffice", "libreoffice-writer"), "soffice.bin", "a.odt - LibreOffice Writer"
        )
        == "LibreOffice Writer"
    )
    assert display_app(("xterm", "XTerm"), "xterm", "user@host: ~") == "XTerm"
    assert display_app((), "python3", "") == "Python3"
    assert url_from_title("example.com/docs - Chromium") == "https://example.com/docs"
    assert url_from_title("See https://x.org/a?b=1 now") == "https://x.org/a?b=1"
    assert url_from_title("Weekly report - Chromium") == ""
    assert (
        clean_url("https://u:p@site.com/p?q=cats&token=abc&x=1#frag")
        == "https://site.com/p?q=cats&x=1"
    )
    assert private_from_cmdline(["chromium", "--incognito"]) and not private_from_cmdline(
        ["chromium"]
    )


def test_browser_addresses_come_only_from_browser_titles() -> None:
    kw = {"pid": 1, "window_id": 1, "rect": None, "private": False}
    assert (
        make_context(title="report.docx - Writer", wm_class=("writer",), process="w", **kw).url
        == ""
    )
    browser = make_context(
        title="github.com - Chromium", wm_class=("chromium", "Chromium"), process="chromium", **kw
    )
    assert browser.url == "https://github.com"


def test_summaries_say_what_the_person_did() -> None:
    writer = WindowContext.of(
        app="LibreOffice Writer",
        title="report.docx - LibreOffice Writer",
        wm_class=("libreoffice-writer",),
    )
    assert summary(writer) == "Editing report.docx in LibreOffice Writer"
    page = WindowContext.of(
        app="Chromium",
        title="Rust book - Chromium",
        url="https://doc.rust-lang.org/book",
        wm_class=("chromium",),
    )
    assert summary(page) == "Browsing Rust book (doc.rust-lang.org) in Chromium"
    assert summary(WindowContext.of(app="Thing", title="")) == "Using Thing"
    assert summary(page, focused=False).startswith("Viewing")


def test_session_key_ignores_unsaved_markers_and_query_strings() -> None:
    a = WindowContext.of(app="Code", title="main.py - Code")
    b = WindowContext.of(app="Code", title="● main.py - Code")
    assert a.key() == b.key()
    c = WindowContext.of(app="Chromium", title="x", url="https://s.com/p?q=1")
    d = WindowContext.of(app="Chromium", title="x", url="https://s.com/p?q=2")
    assert c.key() == d.key() and c.key() != a.key()


def test_platform_helpers() -> None:
    assert is_locker(WindowContext.of(app="xsecurelock"))
    assert parse_front("Safari\n412\nApple - Start\n") == ("Safari", 412, "Apple - Start")
    assert parse_front("garbage") is None
    assert parse_hid_idle('| "HIDIdleTime" = 2500000000\n') == 2.5
