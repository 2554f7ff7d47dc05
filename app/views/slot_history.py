"""What a record used to say: the earlier values of an entity's slots and of the person's
profile lines, each with when and why it changed and the message that changed it.

The agents keep this data already (app/agents/slots.py): an entity record keeps a replaced slot
value, no longer current, with `replaced_by` (the message) and a reason; the `human` block keeps
only current lines, and each change is a history row whose old and new versions carry the
lines with their sources. This module reads both into one shape for the detail view and the CLI
(no Qt). Forgetting a message takes its values out of the fields and every history version
(app/store/derived_text.py), so nothing here can bring a forgotten message back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain import HistoryEntry
from app.views import words

REPLACED = "replaced"
GONE = "gone"


@dataclass(frozen=True)
class PastValue:
    """One value a record no longer holds."""

    slot: str  # as a person reads it: "Mobile", "Lives in", "Phone (work)"
    value: str
    said_at: datetime | None  # when the old value was said
    source: str  # "chat:<message id>" the old value came from ("" when unknown)
    why: str  # REPLACED (a newer value was said) | GONE (said to be no longer so)
    changed_by: str  # "chat:<message id>" that changed it ("" when unknown)
    changed_at: datetime | None  # when that message was said (else when the change was written)
    now: str = ""  # the value that replaced it, when there is one

    def reason(self) -> str:
        """Why it changed, in words ("replaced by Sopot", "said to be no longer so")."""
        if self.why == GONE:
            return "said to be no longer so"
        return f"replaced by {self.now}" if self.now else "replaced by a newer value"


def slot_name(key: str, label: str | None = None) -> str:
    """A slot key as a person reads it ("phone(mobile)" reads "Phone (mobile)")."""
    slot, _, inner = key.partition("(")
    label = label or inner.rstrip(")") or None
    name = words.SLOT_NAMES.get(slot, words.field_name(slot))
    return f"{name} ({label})" if label else name


def entity_past(fields: Mapping[str, Any]) -> list[PastValue]:
    """An entity record's replaced slot values, the latest change first."""
    slots = fields.get("slots")
    if not isinstance(slots, Mapping):
        return []
    out: list[PastValue] = []
    for key, values in slots.items():
        if not isinstance(values, list):
            continue
        rows = [v for v in values if isinstance(v, Mapping) and v.get("value")]
        for old in rows:
            if old.get("current", True):
                continue
            changed_by = str(old.get("replaced_by") or "")
            newer = next(
                (
                    v
                    for v in rows
                    if v is not old
                    and v.get("source") == changed_by
                    and v.get("label") == old.get("label")
                ),
                None,
            )
            gone = str(old.get("reason") or "").startswith("said to be gone") or newer is None
            out.append(
                PastValue(
                    slot=slot_name(str(key), old.get("label")),
                    value=str(old["value"]),
                    said_at=words.as_moment(old.get("said_at")),
                    source=str(old.get("source") or ""),
                    why=GONE if gone else REPLACED,
                    changed_by=changed_by,
                    changed_at=words.as_moment(newer.get("said_at")) if newer else None,
                    now=str(newer["value"]) if newer else "",
                )
            )
    return sorted(out, key=_latest_first)


def _lines(snapshot: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    fields = (snapshot or {}).get("fields") or {}
    lines = fields.get("lines") if isinstance(fields, Mapping) else None
    if not isinstance(lines, list):
        return {}
    return {
        str(line["key"]).lower(): line
        for line in lines
        if isinstance(line, Mapping) and line.get("key") and line.get("value")
    }


def core_past(history: Sequence[HistoryEntry]) -> list[PastValue]:
    """The profile lines a later message replaced or took back, from the block's history
    (each change of a line is one version), the latest change first."""
    out: list[PastValue] = []
    for entry in history:
        if entry.old is None or entry.new is None:
            continue
        before, after = _lines(entry.old), _lines(entry.new)
        via = next(iter(via_refs(entry)), "")
        for key, old in before.items():
            new = after.get(key)
            if new is not None and str(new.get("value")) == str(old.get("value")):
                continue
            changed_by = str(new.get("source") or "") if new is not None else via
            said = words.as_moment(new.get("said_at")) if new is not None else None
            out.append(
                PastValue(
                    slot=str(old["key"]),
                    value=str(old["value"]),
                    said_at=words.as_moment(old.get("said_at")),
                    source=str(old.get("source") or ""),
                    why=REPLACED if new is not None else GONE,
                    changed_by=changed_by,
                    changed_at=said or entry.at,
                    now=str(new["value"]) if new is not None else "",
                )
            )
    return sorted(out, key=_latest_first)


def past_values(
    memory_type: str, fields: Mapping[str, Any], history: Sequence[HistoryEntry] | None
) -> list[PastValue]:
    """The earlier values of a record: an entity's from its slots, the profile's from its
    history (None until the history is loaded)."""
    if memory_type == "semantic":
        return entity_past(fields)
    if memory_type == "core" and history:
        return core_past(history)
    return []


def via_refs(entry: HistoryEntry) -> list[str]:
    """The sources a version credits its change to ("chat:<id>"), as the writer records them."""
    via = (entry.new or {}).get("via") or []
    return [
        f"{v['kind']}:{v['ref']}"
        for v in via
        if isinstance(v, Mapping) and v.get("kind") and v.get("ref")
    ]


def message_refs(past: Sequence[PastValue]) -> list[str]:
    """The sources ("chat:<id>") a history names, to look up the messages they point at."""
    refs = [ref for p in past for ref in (p.changed_by, p.source) if ref]
    return list(dict.fromkeys(refs))


def _latest_first(value: PastValue) -> tuple[float, str]:
    moment = value.changed_at or value.said_at
    return (-(moment.timestamp() if moment else 0.0), value.slot)
