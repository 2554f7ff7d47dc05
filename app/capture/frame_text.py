"""Where words are on a kept frame: the frame is read again with tesseract, on demand, only when
the person looks at it with words to find, so the words can be marked on the picture.

Capture keeps no word positions (its text goes to memories; the frame is kept apart, later and
smaller), so the positions come from this second read. The image goes through a pipe, never a
file, like every read (app/capture/ocr.py).
"""

from __future__ import annotations

import io
import os
import subprocess
from dataclasses import dataclass

from app.capture.change import reading_gray
from app.capture.ocr import OcrUnavailable, tesseract_binary, to_pgm
from app.capture.ocr_words import tsv_words
from app.store.fulltext import query_terms

MIN_CONFIDENCE = 30.0
READ_WIDTH = 1_920  # kept frames are small; tesseract reads small text better enlarged


@dataclass(frozen=True)
class WordBox:
    """A found word, in fractions of the frame's width and height (any drawn size fits)."""

    text: str
    left: float
    top: float
    width: float
    height: float


def boxes_in_tsv(tsv: str, terms: list[str], width: int, height: int) -> list[WordBox]:
    """Words of tesseract's TSV output that start with one of `terms` (lower case)."""
    found = []
    for box in tsv_words(tsv):
        word = "".join(ch for ch in box.text.lower() if ch.isalnum())
        if not word or box.confidence < MIN_CONFIDENCE:
            continue
        if not any(word.startswith(t) for t in terms):
            continue
        found.append(
            WordBox(
                box.text,
                box.left / width,
                box.top / height,
                box.width / width,
                box.height / height,
            )
        )
    return found


def find_words(image: bytes, text: str, timeout: float = 60.0) -> list[WordBox]:
    """Boxes of the words of `text` on an image (WebP, PNG...); empty when none is readable."""
    terms = query_terms(text)
    if not terms:
        return []
    binary = tesseract_binary()
    if binary is None:
        raise OcrUnavailable("tesseract is not installed, so words cannot be found on frames.")
    import numpy as np
    from PIL import Image

    opened = Image.open(io.BytesIO(image)).convert("RGB")
    # As capture read it: coloured text on a dark theme kept (luminance alone loses it).
    picture = Image.fromarray(reading_gray(np.asarray(opened), np.asarray(opened.convert("L"))))
    if picture.width < READ_WIDTH:
        scale = READ_WIDTH / picture.width
        size = (READ_WIDTH, round(picture.height * scale))
        picture = picture.resize(size, Image.Resampling.BICUBIC)
    gray = np.asarray(picture)
    command = [binary, "stdin", "stdout", "--psm", "3", "tsv"]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            command, input=to_pgm(gray), capture_output=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return []
    if done.returncode != 0:
        return []
    tsv = done.stdout.decode("utf-8", "replace")
    return boxes_in_tsv(tsv, terms, gray.shape[1], gray.shape[0])
