"""A mail app keeps its window title while message after message opens beside the list: each
message is its own session (its own episodic memory, headed by its own text), found from the
pixels (the reading pane replaced, the list beside it unchanged). The same message scrolled in
its pane, and coming back to the window, stay in the session they belong to."""

from __future__ import annotations

import hashlib

import numpy as np

from app.capture.ocr import OcrResult
from app.capture.subjects import new_content
from tests.unit.capture_fakes import GAP, LINE, Clock, FakeOcr, FakeScreen, fake_capture

SIDE = 260  # the message list: x < SIDE; the reading pane: x >= SIDE

LIST = [
    "Orrinford Sailing Club",
    "Your dinghy course booking",
    "Dr. Anneli Kask",
    "Dentist appointment",
    "Kelby Post Office",
    "Parcel waiting for you",
]
SAILING = [
    "Your dinghy course booking",
    "From: Orrinford Sailing Club courses desk",
    "Hello, thank you for booking the beginners dinghy course.",
    "The course runs on four evenings and starts at the club house",
    "Meeting point: boat shed 3 at 18:30 on the first evening",
    "Bring a change of clothes and shoes that can get wet",
    "The course fee of 165 EUR has been received",
    "Fair winds, Jonas, course secretary",
]
DENTIST = [
    "Dentist appointment",
    "From: Dr. Anneli Kask, Orrinford dental practice",
    "Dear patient, this is a reminder of your check-up",
    "Your appointment is at 08:15 in treatment room 2",
    "If you cannot come, please let us know a day before",
    "otherwise a fee of 40 EUR is charged",
    "Kind regards, the practice team",
]
PARCEL = [
    "Parcel waiting for you",
    "From: Kelby Post Office",
    "A parcel could not be delivered because nobody was at home",
    "Collect it at the counter with pickup code 7Q4-KL9 and an ID",
    "The parcel is kept for 14 days, then returned to the sender",
]
_SYLLABLES = "ka lo ri ven tas mor pel sun dra fi go wen tal bri hos nu".split()
# A long message, every line its own words (so only the pixels tell a scroll from a new text).
LONG = [
    f"Clause {n}: "
    + " ".join("".join(np.random.default_rng(n * 9 + k).choice(_SYLLABLES, 3)) for k in range(6))
    for n in range(60)
]


class PaneScreen(FakeScreen):
    """The fake screen with a list column: `side` lines on the left, the window's lines in the
    reading pane (each half draws its lines as FakeScreen does, ids in its first two pixels)."""

    def __init__(self) -> None:
        super().__init__()
        self.side: list[str] = []

    def render(self, rect):  # type: ignore[no-untyped-def]
        gray = np.full((rect.height, rect.width), 255, dtype=np.uint8)
        window = self.windows.get(self.front) if self.front else None
        if window is not None:
            self._column(gray, self.side, 0, SIDE - 60)
            self._column(gray, window.lines[window.scroll :], SIDE, rect.width)
        bgra = np.repeat(gray[:, :, None], 4, axis=2)
        bgra[:, :, 3] = 255
        return bgra.tobytes()

    def _column(self, gray: np.ndarray, lines: list[str], left: int, right: int) -> None:
        y = GAP
        for text in lines:
            if y + LINE > gray.shape[0]:
                break
            ident = self.line_id(text)
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
            gray[y : y + LINE, left:right] = np.random.default_rng(seed).integers(
                0, 200, (LINE, right - left)
            )
            gray[y : y + LINE, left] = ident // 200
            gray[y : y + LINE, left + 1] = ident % 200
            y += LINE + GAP


class PaneOcr(FakeOcr):
    """Reads the list column, then the pane (as tesseract reads two blocks side by side), in
    whatever part of the window it is given: each line's id is in its first two pixels."""

    widths: list[int]

    def read(self, gray: np.ndarray, kind: str = "page") -> OcrResult:
        self.calls.append(int(gray.shape[0]))
        self.widths = [*getattr(self, "widths", []), int(gray.shape[1])]
        columns: list[list[str]] = [[], []]
        for row in gray:
            inked = np.flatnonzero(row != 255)
            starts = [int(x) for x in inked if x == 0 or row[x - 1] == 255]
            for lines, left in zip(columns, starts, strict=False):
                text = self.screen.table.get(int(row[left]) * 200 + int(row[left + 1]))
                if text and (not lines or lines[-1] != text):
                    lines.append(text)
        lines = columns[0] + columns[1]
        return OcrResult(lines, 0.01, sum(len(t.split()) for t in lines))


def _mail(memloci):  # type: ignore[no-untyped-def]
    screen, clock = PaneScreen(), Clock()
    screen.side = list(LIST)
    wid = screen.open("Thunderbird", "Inbox - Thunderbird", SAILING)
    service = fake_capture(memloci, screen, clock)
    ocr = PaneOcr(screen)
    service.reader._engine_factory = lambda: ocr
    service.reader._engine = None
    service.pane_ocr = ocr
    return screen, clock, service, screen.windows[wid]


def _show(service, clock, window, lines: list[str], scroll: int = 0) -> None:  # type: ignore[no-untyped-def]
    window.lines, window.scroll = list(lines), scroll
    for _ in range(5):  # changed, settled, read
        service.tick()
        service.drain_ocr()
        clock.advance(3)


def _episodes(memloci, app: str) -> list:  # type: ignore[no-untyped-def]
    service = memloci._parts.capture
    service._monotonic.advance(11)
    service.flush_records()
    found = [m for m in memloci.list("episodic", limit=100) if m.fields["actor"] == app]
    return sorted(found, key=lambda m: m.fields["occurred_at"])


def test_each_message_beside_the_list_is_its_own_session(memloci) -> None:  # type: ignore[no-untyped-def]
    _screen, clock, service, window = _mail(memloci)
    _show(service, clock, window, SAILING)
    _show(service, clock, window, DENTIST)
    _show(service, clock, window, PARCEL)
    sailing, dentist, parcel = _episodes(memloci, "Thunderbird")
    assert "boat shed 3" in sailing.fields["details"]
    assert "08:15" not in sailing.fields["details"]
    assert "08:15 in treatment room 2" in dentist.fields["details"]
    assert "boat shed" not in dentist.fields["details"] and "7Q4" not in dentist.fields["details"]
    assert "pickup code 7Q4-KL9" in parcel.fields["details"]
    assert "08:15" not in parcel.fields["details"]
    # Each one says what it shows: its summary and its "Showing:" line are its own message's
    # subject (which the list beside it shows too).
    assert "Showing: Dentist appointment" in dentist.fields["details"]
    assert dentist.fields["summary"].endswith(": Dentist appointment")
    assert "Showing: Parcel waiting for you" in parcel.fields["details"]
    # The pane is read alone: no line of the list is joined to it or read again.
    assert "Kelby Post Office" not in dentist.fields["details"]
    widths = service.pane_ocr.widths
    assert widths[0] == 800 and min(widths[1:]) <= 800 - SIDE + 60


def test_a_message_scrolled_in_its_pane_stays_one_session(memloci) -> None:  # type: ignore[no-untyped-def]
    _screen, clock, service, window = _mail(memloci)
    _show(service, clock, window, LONG)
    for scroll in range(5, 30, 5):  # a few new lines each time: too few words for the word rule
        _show(service, clock, window, LONG, scroll=scroll)
    (lease,) = _episodes(memloci, "Thunderbird")
    assert LONG[0] in lease.fields["details"]
    assert LONG[59] in lease.fields["details"]


def test_coming_back_to_the_mail_window_resumes_the_message_it_shows(memloci) -> None:  # type: ignore[no-untyped-def]
    screen, clock, service, window = _mail(memloci)
    _show(service, clock, window, SAILING)
    _show(service, clock, window, DENTIST)
    other = screen.open("Evince", "Document Viewer", ["A page of another document"] * 2)
    _show(service, clock, screen.windows[other], ["A page of another document"])
    screen.front = window.context.window_id
    _show(service, clock, window, DENTIST)
    _show(service, clock, window, [*DENTIST, "P.S. Parking is free behind the practice"])
    sailing, dentist = _episodes(memloci, "Thunderbird")
    assert "Parking is free" in dentist.fields["details"]
    assert "Parking" not in sailing.fields["details"]


def test_a_replaced_pane_still_needs_a_text_of_its_own() -> None:
    shown = "\n".join(LIST + SAILING)
    assert new_content(shown, DENTIST[1:], pane=True) == DENTIST[1]
    assert new_content(shown, DENTIST[1:], pane=True, read=DENTIST) == "Dentist appointment"
    assert new_content(shown, DENTIST[1:]) is None  # without the pane: too few words
    assert new_content(shown, SAILING[2:4], pane=True) is None  # the same text laid out again
    assert new_content(shown, ["Loading", "Please wait"], pane=True) is None  # too few words


def test_a_pane_that_never_stops_changing_is_no_new_subject(memloci) -> None:  # type: ignore[no-untyped-def]
    """A video or a stream beside text that stays is read every so often while it changes; those
    reads are no message opened, so they stay in the session."""
    _screen, clock, service, window = _mail(memloci)
    _show(service, clock, window, SAILING)
    messages = [DENTIST, PARCEL, SAILING[1:], DENTIST[1:]]
    for second in range(24):  # a new picture every second: never settles, read when waited
        window.lines = list(messages[second % len(messages)])
        service.tick()
        service.drain_ocr()
        clock.advance(1)
    assert len(service.pane_ocr.widths) >= 2  # it was read while it changed
    assert len(_episodes(memloci, "Thunderbird")) == 1


def test_a_message_opened_again_is_its_own_session_again(memloci) -> None:  # type: ignore[no-untyped-def]
    """Going back to an earlier message: no pixel of it is new (the window showed it before),
    so nothing was read and the time reading it again went to the message in front."""
    _screen, clock, service, window = _mail(memloci)
    _show(service, clock, window, SAILING)
    _show(service, clock, window, DENTIST)
    _show(service, clock, window, PARCEL)
    _show(service, clock, window, DENTIST)  # opened again
    *_, parcel, again = _episodes(memloci, "Thunderbird")
    assert "pickup code 7Q4-KL9" in parcel.fields["details"]
    assert "Showing: Dentist appointment" in again.fields["details"]
    assert "08:15 in treatment room 2" in again.fields["details"]
    assert "7Q4" not in again.fields["details"]
    assert parcel.fields["occurred_at"] < again.fields["occurred_at"]
