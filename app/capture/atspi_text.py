"""Reading a window's text from the accessibility bus: which objects show text (one
Collection search in the application, or a walk by levels where it has none), their role,
state, size and place (one batch of calls), then their text (one batch): whole up to a few
thousand characters, else only the part inside the window. Password fields are never read.
How much of the window is canvas or terminal without text tells capture whether OCR must
read it too.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.capture.atspi import (
    ACCESSIBLE,
    COMPONENT,
    COORD_WINDOW,
    OBJECT_CHAR,
    OPAQUE_ROLES,
    PROPS,
    ROLE_DOCUMENT_WEB,
    ROLE_PASSWORD_TEXT,
    ROLE_TERMINAL,
    STATE_SHOWING,
    STATE_VISIBLE,
    TEXT,
    AccessibleText,
    Frame,
    Ref,
    has_state,
    match_rule,
)
from app.capture.dbus import BusError, Call
from app.capture.platforms import PlatformUnavailable

if TYPE_CHECKING:
    from app.capture.atspi import Atspi

WHOLE_TEXT_LIMIT = 4_000
"""Texts up to this many characters are read whole; longer ones only where they show."""
READ_LIMIT = 20_000
"""Characters read from one object at most."""
TOTAL_LIMIT = 60_000
"""Characters read from one window at most."""
OBJECT_LIMIT = 1_500
"""Text objects read from one window at most."""
WALK_LIMIT = 3_000
"""Objects visited when an application cannot be searched in one call (no Collection)."""

# (object, role, states, characters or -1, extents in the window or ())
Described = tuple[Ref, int, list[int], int, tuple[int, ...]]


def read_window(atspi: Atspi, frame: Frame) -> AccessibleText:
    started = time.monotonic()
    result = AccessibleText()
    size = atspi.extents(frame.ref)
    width, height = (size[2], size[3]) if size else (0, 0)
    showing_text = match_rule(states=(STATE_SHOWING,), interfaces=("Text",))
    texts = atspi.matches(frame.ref, showing_text, OBJECT_LIMIT)
    opaque = atspi.matches(
        frame.ref, match_rule(states=(STATE_SHOWING,), roles=tuple(OPAQUE_ROLES)), 64
    )
    if texts is None:
        texts, opaque = _walk(atspi, frame.ref)
    described = describe(atspi, texts[:OBJECT_LIMIT], chars=True)
    result.objects = len(described)
    # The title bar's label (client-side decorations: GNOME, GTK headers) repeats the window
    # title, which the memory records already; it is not the window's content.
    result.lines = _texts(atspi, described, width, height, skip=frame.title)
    result.opaque_share = _opaque_share(atspi, opaque or [], described, width, height)
    if any(role == ROLE_DOCUMENT_WEB for _, role, *_ in described):
        with contextlib.suppress(PlatformUnavailable):
            result.url = atspi.document_url(frame)
    result.seconds = time.monotonic() - started
    return result


def describe(atspi: Atspi, refs: Sequence[Ref], *, chars: bool) -> list[Described]:
    """Role, states, (characters,) and extents of each object, in one batch of calls."""
    per = 4 if chars else 3
    calls: list[Call] = []
    for ref in refs:
        calls += [
            Call(ref.bus, ref.path, ACCESSIBLE, "GetRole"),
            Call(ref.bus, ref.path, ACCESSIBLE, "GetState"),
            Call(ref.bus, ref.path, COMPONENT, "GetExtents", "u", (COORD_WINDOW,)),
        ]
        if chars:
            calls.append(Call(ref.bus, ref.path, PROPS, "Get", "ss", (TEXT, "CharacterCount")))
    replies = atspi.call_many(calls, timeout=max(atspi.timeout, 2.0))
    out: list[Described] = []
    for index, ref in enumerate(refs):
        role, state, box, *rest = replies[per * index : per * index + per]
        if isinstance(role, BusError) or isinstance(state, BusError):
            continue
        count = -1
        if rest and not isinstance(rest[0], BusError):
            count = int(rest[0][0][1])
        extents = tuple(int(v) for v in box[0]) if not isinstance(box, BusError) else ()
        out.append((ref, int(role[0]), list(state[0]), count, extents))
    return out


def _texts(
    atspi: Atspi, described: Sequence[Described], width: int, height: int, skip: str = ""
) -> list[str]:
    whole: list[tuple[Ref, int]] = []
    long: list[tuple[Ref, int, tuple[int, int, int, int]]] = []
    for ref, role, states, chars, box in described:
        if role == ROLE_PASSWORD_TEXT or not has_state(states, STATE_VISIBLE) or chars == 0:
            continue
        if 0 <= chars <= WHOLE_TEXT_LIMIT or len(box) != 4 or not (width and height):
            whole.append((ref, min(chars, READ_LIMIT) if chars > 0 else -1))
            continue
        # A long text: only the part inside the window, from the offsets at its corners.
        left, top = max(box[0], 0), max(box[1], 0)
        right, bottom = min(box[0] + box[2], width) - 1, min(box[1] + box[3], height) - 1
        if right > left and bottom > top:
            long.append((ref, chars, (left, top, right, bottom)))
    corners: list[Call] = []
    for ref, _, (left, top, right, bottom) in long:
        for x, y in ((left, top), (right, bottom)):
            corners.append(
                Call(ref.bus, ref.path, TEXT, "GetOffsetAtPoint", "iiu", (x, y, COORD_WINDOW))
            )
    offsets = atspi.call_many(corners) if corners else []
    ranges: list[tuple[Ref, int, int]] = [(ref, 0, end) for ref, end in whole]
    for index, (ref, chars, _) in enumerate(long):
        first, last = offsets[2 * index], offsets[2 * index + 1]
        start = int(first[0]) if not isinstance(first, BusError) and int(first[0]) >= 0 else 0
        end = start + READ_LIMIT
        if not isinstance(last, BusError) and int(last[0]) > start:
            end = int(last[0])
        ranges.append((ref, start, min(end + 200, start + READ_LIMIT, chars)))  # + the last line
    calls = [Call(r.bus, r.path, TEXT, "GetText", "ii", (a, b)) for r, a, b in ranges]
    order = {ref: position for position, (ref, *_) in enumerate(described)}
    replies = atspi.call_many(calls, timeout=max(atspi.timeout, 2.0))
    found = [
        (order[ref], str(reply[0]))
        for (ref, _, _), reply in zip(ranges, replies, strict=True)
        if not isinstance(reply, BusError)
    ]
    return assemble([text for _, text in sorted(found)], skip=skip)


def assemble(texts: Sequence[str], limit: int = TOTAL_LIMIT, skip: str = "") -> list[str]:
    """Lines from the texts of a window's objects, in reading order. A container whose text
    holds its children (a paragraph around a link: "approved the \\ufffc project") is left out
    when the objects after it (its children come next) repeat its words; exact repeats of a
    line are kept once, and a line that is exactly `skip` (the window's title) not at all."""
    words_after: list[set[str]] = []
    for index in range(len(texts)):
        following = texts[index + 1 : index + 1 + 24]
        words_after.append({w for t in following for w in t.replace(OBJECT_CHAR, " ").split()})
    lines: list[str] = []
    seen: set[str] = {" ".join(skip.split())} if skip.strip() else set()
    total = 0
    for index, text in enumerate(texts):
        if OBJECT_CHAR in text:
            own = set(text.replace(OBJECT_CHAR, " ").split())
            if own <= words_after[index]:
                continue
        for raw in text.replace(OBJECT_CHAR, " ").splitlines():
            line = " ".join(raw.split())
            if not line or line in seen:
                continue
            seen.add(line)
            lines.append(line)
            total += len(line)
            if total >= limit:
                return lines
    return lines


def _opaque_share(
    atspi: Atspi, opaque: Sequence[Ref], described: Sequence[Described], width: int, height: int
) -> float:
    """Share of the window covered by canvases, terminals without text, embedded content."""
    if not opaque or not (width and height):
        return 0.0
    with_text = {ref: chars for ref, _, _, chars, _ in described}
    boxes = []
    for ref, role, states, _, box in describe(atspi, opaque, chars=False):
        if role == ROLE_TERMINAL and with_text.get(ref, 0) > 0:
            continue  # a terminal that publishes its text (VTE) needs no OCR
        if len(box) == 4 and has_state(states, STATE_VISIBLE):
            boxes.append(box)
    covered = sum(
        max(0, min(b[0] + b[2], width) - max(b[0], 0))
        * max(0, min(b[1] + b[3], height) - max(b[1], 0))
        for b in boxes
    )
    return min(1.0, covered / float(width * height))


def _walk(atspi: Atspi, root: Ref) -> tuple[list[Ref], list[Ref]]:
    """Text objects and opaque ones under `root`, breadth first, one batch of calls per level,
    only into what is showing (for applications without Collection)."""
    texts: list[Ref] = []
    opaque: list[Ref] = []
    level = [root]
    seen = 0
    while level and seen < WALK_LIMIT:
        level = level[: WALK_LIMIT - seen]
        seen += len(level)
        calls: list[Call] = []
        for ref in level:
            calls += [
                Call(ref.bus, ref.path, ACCESSIBLE, "GetRole"),
                Call(ref.bus, ref.path, ACCESSIBLE, "GetState"),
                Call(ref.bus, ref.path, ACCESSIBLE, "GetInterfaces"),
                Call(ref.bus, ref.path, ACCESSIBLE, "GetChildren"),
            ]
        replies = atspi.call_many(calls, timeout=max(atspi.timeout, 2.0))
        below: list[Ref] = []
        for index, ref in enumerate(level):
            role, state, interfaces, children = replies[4 * index : 4 * index + 4]
            if any(isinstance(r, BusError) for r in (role, state, interfaces, children)):
                continue
            if ref != root and not has_state(state[0], STATE_SHOWING):
                continue
            if TEXT in interfaces[0]:
                texts.append(ref)
            if int(role[0]) in OPAQUE_ROLES:
                opaque.append(ref)
            below.extend(Ref(bus, path) for bus, path in children[0] if not Ref(bus, path).null)
        level = below
    return texts, opaque
