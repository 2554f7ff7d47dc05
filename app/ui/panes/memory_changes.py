"""The detail view's "How it changed" section: each value a later message replaced or took
back, when it was said, when and why it changed, and links to both messages.

The values come from `app.views.slot_history` (no Qt); this module only writes them as HTML
for the detail's text browser and finds the messages they point at (on the worker thread).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.domain import HistoryEntry, Memory, MemoryType
from app.views import words
from app.views.slot_history import PastValue, message_refs, slot_name, via_refs

QUOTE = 70  # characters of a message quoted in its link
# The agents' reasons name the message that changed a record ("lives_in replaced, said in
# message c1:4"), never its words; the detail shows that message as a link instead.
_MESSAGE = re.compile(r"\bmessage (\S+?)(?=[;,.]?(?:\s|$))")
_SLOT_KEY = re.compile(r"\b([a-z]+(?:_[a-z]+)*(?:\([^)]*\))?)(?= (?:replaced|is gone|read from))")


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True).replace("\n", "<br>")


def history_refs(history: Sequence[HistoryEntry]) -> list[str]:
    """The messages a record's versions were changed by (their `via`, else their reason)."""
    refs: list[str] = []
    for entry in history:
        refs += via_refs(entry)
        refs += [f"chat:{m}" for m in _MESSAGE.findall(entry.reason or "")]
    return list(dict.fromkeys(refs))


def find_messages(
    facade: Any, past: Sequence[PastValue], history: Sequence[HistoryEntry] = ()
) -> dict[str, Memory]:
    """The raw message each source names ("chat:<id>" -> its episodic record); on a worker."""
    found: dict[str, Memory] = {}
    refs = dict.fromkeys([*message_refs(past), *history_refs(history)])
    for ref in list(refs)[:80]:
        kind, _, ident = ref.partition(":")
        if not ident:
            continue
        records = facade.memories_from_source(kind, ident)
        raw = [m for m in records if m.type is MemoryType.EPISODIC]
        if raw:
            found[ref] = raw[0]
    return found


def _message(ref: str, messages: Mapping[str, Memory], fallback: str, *, dated: bool = True) -> str:
    """A message as a link ("“Beatrix moved to Sopot.”, your message, 13 May 2023") that opens
    it; a message no longer kept reads as the fallback."""
    memory = messages.get(ref)
    if memory is None:
        return esc(fallback)
    said = (str(memory.fields.get(k) or "") for k in ("summary", "details"))
    text = " ".join(max(said, key=len).split()) or memory.title
    if len(text) > QUOTE:
        text = text[: QUOTE - 1].rsplit(" ", 1)[0] + "…"
    who = words.speaker(str(memory.fields.get("actor") or ""))
    whose = "your message" if who == "you" else f"a message from {who}"
    link = f'<a href="memloci:memory/{memory.id}">“{esc(text)}”</a>'
    if not dated:
        return f"{link} ({esc(whose)})"
    return f"{link}, {esc(whose)}, {esc(words.day(memory.occurred_at))}"


def reason_html(reason: str, messages: Mapping[str, Memory]) -> str:
    """A history row's reason in words: slot keys as names, a message as a link to it."""
    out, last = [], 0
    for match in _MESSAGE.finditer(reason):
        out.append(_slot_words(reason[last : match.start()]))
        out.append(_message(f"chat:{match.group(1)}", messages, "a message"))
        last = match.end()
    out.append(_slot_words(reason[last:]))
    return "".join(out)


def _slot_words(text: str) -> str:
    return esc(_SLOT_KEY.sub(lambda m: slot_name(m.group(1)), text))


def past_html(past: Sequence[PastValue], messages: Mapping[str, Memory]) -> str:
    """The section, or "" when nothing was replaced."""
    if not past:
        return ""
    rows = []
    for value in past:
        changed = words.day(value.changed_at)
        head = f"<b>{esc(value.slot)}</b> was <b>{esc(value.value)}</b> — {esc(value.reason())}" + (
            f" on {esc(changed)}" if changed else ""
        )
        lines = [head]
        if value.changed_by:
            told = _message(value.changed_by, messages, "a message", dated=False)
            lines.append(f"told in {told}")
        if value.source:
            said = words.day(value.said_at)
            first = _message(value.source, messages, "a message", dated=False)
            lines.append(f"first said{' on ' + esc(said) if said else ''} in {first}")
        rows.append("<li>" + "<br>".join(lines) + "</li>")
    return "<h4>How it changed</h4><ul>" + "".join(rows) + "</ul>"
