"""The text seam (issue 22) over the real encrypted store with a fake screen: text from the
application first, read again only when due and only when it changed, redacted, dropped when
the window changed while it was read, pixels too for what has no text, never pixels for a
window whose place is unknown; and the pure parts of the AT-SPI, PipeWire, portal and sway
adapters."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from app.capture.atspi import OBJECT_CHAR, AccessibleText, has_state, match_rule
from app.capture.atspi_text import assemble
from app.capture.context import Rect
from tests.unit.capture_fakes import Clock, FakePlatform, FakeScreen, fake_capture

NOTES = ["Ferry timetable changes from Tuesday onward", "The quay at Hareid gets a new ramp"]


class TextPlatform(FakePlatform):
    """The fake screen's platform, whose applications publish text (or nothing)."""

    def __init__(self, screen: FakeScreen) -> None:
        super().__init__(screen)
        self.texts: dict[int, AccessibleText | None] = {}
        self.reads = 0
        self.during_read = None  # called while "reading" (the window may change meanwhile)

    def read_text(self, context):  # type: ignore[no-untyped-def]
        self.reads += 1
        if self.during_read is not None:
            self.during_read()
        text = self.texts.get(context.window_id)
        return (
            None
            if text is None
            else AccessibleText(list(text.lines), opaque_share=text.opaque_share)
        )


def service_with_text(memloci, clock: Clock | None = None):  # type: ignore[no-untyped-def]
    screen = FakeScreen()
    platform = TextPlatform(screen)
    service = fake_capture(memloci, screen, clock, platform=platform)
    if clock is not None:
        service.texts._monotonic = clock
    return screen, platform, service


def test_published_text_is_read_without_pixels_and_only_when_due_and_changed(memloci) -> None:
    clock = Clock()
    screen, platform, service = service_with_text(memloci, clock)
    wid = screen.open("Notes", "harbour.txt - Notes", NOTES)
    platform.texts[wid] = AccessibleText(list(NOTES))
    first = service.tick()
    assert first.read == "text" and service.fake_grabber.grabs == 0
    assert service.fake_ocr.calls == []
    clock.advance(3)
    assert service.tick().read == "none" and platform.reads == 1  # not due yet (10 s)
    clock.advance(10)
    assert service.tick().read == "none" and platform.reads == 2  # due, but unchanged
    assert service.texts.counters.unchanged == 1
    platform.texts[wid] = AccessibleText([*NOTES, "Tickets are sold at the kiosk"])
    clock.advance(10)
    assert service.tick().read == "text"
    session = service.sessions.current("focus")
    assert session.ocr_runs == 2 and "Tickets are sold at the kiosk" in session.digest.text()


def test_secrets_in_published_text_are_redacted(memloci) -> None:
    screen, platform, service = service_with_text(memloci)
    wid = screen.open("Notes", "order.txt - Notes", ["Order"])
    platform.texts[wid] = AccessibleText(["Card 4111 1111 1111 1111 for the ferry order"])
    service.tick()
    text = service.sessions.current("focus").digest.text()
    assert "4111" not in text and "[REDACTED:" in text


def test_a_window_that_changed_while_it_was_read_keeps_nothing(memloci) -> None:
    screen, platform, service = service_with_text(memloci)
    wid = screen.open("Notes", "harbour.txt - Notes", NOTES)
    platform.texts[wid] = AccessibleText(["Secret budget for the harbour"])
    # While the text is read, the tab turns into a password manager's vault.
    platform.during_read = lambda: screen.set_title(wid, "Vault - Bitwarden")
    result = service.tick()
    assert "nothing of that read was kept" in result.detail
    assert service.texts.counters.dropped == 1
    session = service.sessions.current("focus")
    assert session is None or "Secret budget" not in session.digest.text()
    assert service.fake_grabber.grabs == 0


def test_excluded_windows_are_not_asked_for_their_text(memloci) -> None:
    screen, platform, service = service_with_text(memloci)
    wid = screen.open("KeePassXC", "Passwords.kdbx - KeePassXC", ["x"])
    platform.texts[wid] = AccessibleText(["bank hunter2"])
    assert service.tick().activity == "excluded"
    assert platform.reads == 0 and service.fake_grabber.grabs == 0


def test_windows_with_a_canvas_are_read_from_pixels_too(memloci) -> None:
    screen, platform, service = service_with_text(memloci)
    wid = screen.open("Viewer", "survey.png - Viewer", NOTES)
    platform.texts[wid] = AccessibleText(["Zoom 100%", "Page 1 of 3", "Ready"], opaque_share=0.8)
    result = service.tick()
    service.drain_ocr()
    assert result.read == "full" and service.fake_grabber.grabs == 1
    text = service.sessions.current("focus").digest.text()
    assert "Page 1 of 3" in text and NOTES[1] in text  # both paths reached the session


def test_a_window_of_unknown_place_is_never_grabbed(memloci) -> None:
    screen, platform, service = service_with_text(memloci)
    wid = screen.open("Viewer", "survey.png - Viewer", NOTES)
    platform.texts[wid] = AccessibleText([], opaque_share=1.0)
    window = screen.windows[wid]
    window.context.extra["unplaced"] = "are not read: its place on screen is unknown"
    result = service.tick()
    assert "place on screen is unknown" in result.detail
    assert service.fake_grabber.grabs == 0


def test_applications_that_publish_nothing_leave_the_window_to_ocr(memloci) -> None:
    screen, _platform, service = service_with_text(memloci)
    screen.open("xterm", "bash - xterm", NOTES)  # no entry: nothing published
    result = service.tick()
    service.drain_ocr()
    assert result.read == "full" and service.fake_ocr.calls
    assert service.texts.counters.reads == 0


def test_accessibility_off_means_pixels_only(memloci) -> None:
    screen, platform, service = service_with_text(memloci)
    memloci.save_settings(memloci.settings.with_value("capture.accessibility", False))
    wid = screen.open("Notes", "harbour.txt - Notes", NOTES)
    platform.texts[wid] = AccessibleText(list(NOTES))
    assert service.tick().read == "full" and platform.reads == 0


# -- pure parts ---------------------------------------------------------------------------------
def test_assemble_drops_containers_their_children_repeat_and_exact_repeats() -> None:
    texts = [
        f"The committee approved the {OBJECT_CHAR} project.",
        "The committee approved the",
        "Stavanger harbour",
        "project.",
        "Budget review",
        "Budget review",
        f"{OBJECT_CHAR}{OBJECT_CHAR}",
        f"Embedded {OBJECT_CHAR} widget text that no child repeats",
    ]
    lines = assemble(texts)
    assert lines == [
        "The committee approved the",
        "Stavanger harbour",
        "project.",
        "Budget review",
        "Embedded widget text that no child repeats",
    ]
    assert assemble(["a" * 50, "b" * 50], limit=60) == ["a" * 50, "b" * 50]


def test_the_title_bar_label_is_not_read_as_the_window_content() -> None:
    """GTK's header bar under GNOME publishes the window title as a label; the memory records
    the title already (bench precision on GNOME was 95.4 % from it)."""
    texts = ["notes-0.txt - Text Editor", "Alpha beta gamma.", "notes-0.txt  - Text Editor"]
    assert assemble(texts, skip="notes-0.txt - Text Editor") == ["Alpha beta gamma."]
    assert assemble(["Report", "Report body"], skip="") == ["Report", "Report body"]


def test_match_rules_carry_states_and_roles_as_libatspi_bit_sets() -> None:
    states, state_match, attrs, _, roles, role_match, ifaces, _, invert = match_rule(
        states=(25,), roles=(95, 6), interfaces=("Text",)
    )
    assert states == [1 << 25, 0] and state_match == 1 and attrs == {}
    assert roles[0] == 1 << 6 and roles[2] == -(1 << 31)  # role 95: bit 31 of the third word
    assert role_match == 2 and ifaces == ["Text"] and invert is False
    assert has_state([0x2, 0], 1) and not has_state([0x2], 33)


def test_needs_pixels_for_little_text_or_large_canvases() -> None:
    assert AccessibleText(["OK"]).needs_pixels()
    assert AccessibleText(["Three whole words"]).needs_pixels() == ""
    assert "canvas" in AccessibleText(["Three whole words"], opaque_share=0.3).needs_pixels()


def test_video_formats_are_negotiated_and_parsed() -> None:
    from app.capture.pipewire import (
        FORMAT_VIDEO_FORMAT,
        FORMAT_VIDEO_SIZE,
        OBJECT_FORMAT,
        PARAM_FORMAT,
        T_RECTANGLE,
        enum_format,
        obj,
        parse_format,
        pod,
        pod_id,
        prop,
    )

    fixed = obj(
        OBJECT_FORMAT,
        PARAM_FORMAT,
        [
            prop(FORMAT_VIDEO_FORMAT, pod_id(8)),
            prop(FORMAT_VIDEO_SIZE, pod(T_RECTANGLE, struct.pack("=II", 1920, 1080))),
        ],
    )
    assert parse_format(fixed) == (8, 1920, 1080)
    offered = enum_format()
    assert len(offered) % 8 == 0 and struct.unpack_from("=I", offered, 4)[0] == 15
    assert parse_format(offered) == (8, 1280, 720)  # each choice's default, as PipeWire reads it


def test_frames_become_tightly_packed_bgra() -> None:
    from app.capture.pipewire import VIDEO_RGB, VIDEO_RGBX
    from app.capture.pipewire import to_bgra as video_to_bgra
    from app.capture.wlroots import to_bgra

    rgb = bytes([10, 20, 30, 40, 50, 60]) + b"\0\0"  # two pixels, stride 8
    out = np.frombuffer(video_to_bgra(rgb, 2, 1, 8, VIDEO_RGB), dtype=np.uint8)
    assert list(out) == [30, 20, 10, 255, 60, 50, 40, 255]
    rgbx = bytes([1, 2, 3, 0])
    assert list(video_to_bgra(rgbx, 1, 1, 4, VIDEO_RGBX)) == [3, 2, 1, 255]
    rows = bytes([1, 1, 1, 1, 9, 9]) + bytes([2, 2, 2, 2, 9, 9])  # stride 6, flipped
    assert to_bgra(rows, 1, 2, 6, 1, True) == bytes([2, 2, 2, 2, 1, 1, 1, 1])
    xbgr = bytes([7, 8, 9, 0])
    assert to_bgra(xbgr, 1, 1, 4, 0x34324258, False) == bytes([9, 8, 7, 0])


def test_a_window_is_cut_from_its_monitor_frame_at_the_monitor_scale() -> None:
    from app.capture.portal import crop

    frame = np.zeros((200, 400, 4), dtype=np.uint8)  # a 200x100 monitor at scale 2
    frame[20:40, 40:80] = 7
    part = crop(frame.tobytes(), 400, 200, Rect(1000, 0, 200, 100), Rect(1020, 10, 20, 10))
    assert part.rect == Rect(1020, 10, 40, 20)
    assert set(part.bgra) == {7}


def test_sway_windows_in_stacking_order_with_their_content_and_frames() -> None:
    from app.capture.sway import _windows, describe

    tree = {
        "type": "root",
        "nodes": [
            {
                "type": "output",
                "nodes": [
                    {
                        "type": "workspace",
                        "nodes": [
                            {
                                "type": "con",
                                "id": 5,
                                "pid": 101,
                                "name": "report.odt - LibreOffice Writer",
                                "app_id": None,
                                "window_properties": {
                                    "class": "libreoffice-writer",
                                    "instance": "libreoffice",
                                },
                                "visible": True,
                                "rect": {"x": 0, "y": 0, "width": 1280, "height": 800},
                                "window_rect": {"x": 2, "y": 24, "width": 1276, "height": 774},
                            }
                        ],
                        "floating_nodes": [
                            {
                                "type": "floating_con",
                                "id": 9,
                                "pid": 202,
                                "name": "Chat",
                                "app_id": "org.example.Chat",
                                "visible": True,
                                "focused": True,
                                "rect": {"x": 400, "y": 300, "width": 300, "height": 200},
                                "window_rect": {"x": 0, "y": 0, "width": 300, "height": 200},
                            }
                        ],
                    }
                ],
            }
        ],
    }
    windows = list(_windows(tree, visible_only=True))
    assert [w["id"] for w in windows] == [5, 9]  # floating above tiled
    writer = describe(windows[0])
    assert writer.wm_class == ("libreoffice", "libreoffice-writer")  # XWayland's class
    assert writer.rect == Rect(2, 24, 1276, 774)
    assert describe(windows[0], frame=True).rect == Rect(0, 0, 1280, 800)
    assert describe(windows[1]).wm_class == ("org.example.Chat",)


@pytest.mark.parametrize(
    ("pixels", "level", "words"),
    [
        ("screencopy", "ok", "screencopy protocol, no prompt"),
        ("portal", "ok", "allow screen sharing once"),
        ("", "warn", "pixels cannot be read here"),
    ],
)
def test_the_desktop_is_described_in_plain_words(monkeypatch, pixels, level, words) -> None:
    from app.capture import desktop, wayland

    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-9")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(desktop, "on_wayland", lambda: True)
    monkeypatch.setattr(
        desktop, "abilities", lambda: wayland.Abilities("gnome", "atspi", pixels, "dbus", [])
    )
    monkeypatch.setattr(
        desktop, "_text_source", lambda on: (desktop.TEXT_FROM_APPS, "Text comes first.")
    )
    report = desktop.describe()
    assert report.level == level and words in report.text()
    assert "accessibility bus" in report.headline  # GNOME: the window from AT-SPI
    assert report.text().count("Text comes first.") == 1


@pytest.mark.parametrize(
    ("source", "status", "fix"),
    [
        ("applications", "ok", ""),
        ("no-bus", "warn", "at-spi2-core"),
        ("off", "warn", "capture.accessibility true"),
    ],
)
def test_doctor_says_where_text_comes_from_and_how_to_fix_it(
    monkeypatch, tmp_path, source, status, fix
) -> None:
    from app.capture import desktop, doctor
    from app.paths import Paths

    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-9")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(doctor, "on_wayland", lambda: True)
    monkeypatch.setattr(
        doctor,
        "describe",
        lambda on: desktop.DesktopReport(
            "ok", "Wayland session (sway): ...", text_source=source, text_words=f"{source}."
        ),
    )
    found = {c.name: c for c in doctor.checks(Paths.resolve(tmp_path))}
    assert found["capture"].status == "ok"
    assert found["accessibility"].status == status and found["accessibility"].detail == f"{source}."
    assert fix in found["accessibility"].fix and (fix or not found["accessibility"].fix)
