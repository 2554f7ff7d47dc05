"""A pane replaced in place (a mail app's next message beside its message list) is found from
real rendered text; a page scrolled or paged, a page growing and a wholly new window are not
panes, so the word rule alone decides for them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from app.capture.panes import ink, replaced_pane

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LIST = [
    ("Orrinford Sailing Club", "Your dinghy course booking"),
    ("Dr. Anneli Kask", "Dentist appointment"),
    ("Kelby Post Office", "Parcel waiting for you"),
    ("Nordlys Energi", "Your March electricity bill"),
    ("Harbour Library", "Two books are due on Friday"),
]
SAILING = [
    "Your dinghy course booking",
    "From: Orrinford Sailing Club <courses@orrinford-sailing.example>",
    "Thank you for booking the beginners' dinghy course.",
    "The course runs on four evenings and starts at the club house",
    "on the south quay. Meeting point: boat shed 3 at 18:30.",
    "Please bring a change of clothes and shoes that can get wet.",
    "The course fee of 165 EUR has been received with thanks.",
    "Fair winds, Jonas, course secretary",
]
DENTIST = [
    "Dentist appointment",
    "From: Dr. Anneli Kask, Orrinford dental practice",
    "Dear patient, this is a reminder of your check-up.",
    "Your appointment is at 08:15 in treatment room 2.",
    "If you cannot come, please let us know a day before,",
    "otherwise a fee of 40 EUR is charged.",
    "Kind regards, the practice team",
]
_SYLLABLES = "ka lo ri ven tas mor pel sun dra fi go wen tal bri hos nu".split()


def _words(seed: int, count: int) -> str:
    rng = np.random.default_rng(seed)
    return " ".join("".join(rng.choice(_SYLLABLES, 3)) for _ in range(count))


GUIDE = [_words(n, 7) for n in range(40)]  # every line its own words: only pixels can tell


def _screen(pane: list[str], *, selected: int = 0, side: bool = True) -> np.ndarray:
    """A 1400x800 window: a message list on the left (one item tinted) and a reading pane."""
    image = Image.new("L", (1400, 800), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 15)
    left = 20
    if side:
        for number, (sender, subject) in enumerate(LIST):
            top = 60 + number * 56
            if number == selected:
                draw.rectangle((0, top - 6, 400, top + 44), fill=232)
            draw.text((14, top), sender, fill=30, font=font)
            draw.text((14, top + 20), subject, fill=30, font=font)
        draw.line((410, 40, 410, 800), fill=200)
        left = 440
    for number, line in enumerate(pane):
        draw.text((left, 60 + number * 30), line, fill=30, font=font)
    return np.asarray(image)


def test_the_next_message_beside_its_list_is_a_replaced_pane() -> None:
    before, after = _screen(SAILING, selected=0), _screen(DENTIST, selected=1)
    pane = replaced_pane(ink(before), ink(after))
    assert pane is not None
    assert pane.left >= 350 and pane.top >= 40  # the reading pane, not the list beside it
    assert pane.bottom - pane.top >= 150


@pytest.mark.parametrize("lines", [3, 10])
def test_a_pane_scrolled_is_no_replaced_pane(lines: int) -> None:
    before = _screen(GUIDE[:24])
    after = _screen(GUIDE[lines : lines + 24])
    assert replaced_pane(ink(before), ink(after)) is None


def test_a_page_growing_or_paged_without_text_beside_is_no_replaced_pane() -> None:
    grown = _screen(SAILING + DENTIST[:2])
    assert replaced_pane(ink(_screen(SAILING)), ink(grown)) is None
    paged = replaced_pane(ink(_screen(GUIDE[:24], side=False)), ink(_screen(DENTIST, side=False)))
    assert paged is None  # a document's next page fills the window: the words decide
    assert replaced_pane(None, ink(grown)) is None  # nothing read before in this window
    assert replaced_pane(ink(_screen(SAILING)), ink(_screen(SAILING))) is None
