"""Which values are still current: a later value for a one-valued slot replaces the earlier
one ("My new mobile number is ..."), and a value the text declares gone ("the old one is
gone", "not Leeds", "Ardfallen Road is history") is no longer current.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.reading.contacts import digits
from app.reading.context import SELF, State
from app.reading.model import Entity, Fact, Retraction

# Slots that hold one value at a time (per label); the others accumulate.
SINGLE = frozenset(
    """name nickname job employer work_city work_address work_location lives_in address phone
    birthday favourite role works_at hours schedule""".split()
)
_SAME_PHONE_LABELS = (None, "mobile", "cell")


def group(fact: Fact) -> tuple[str, str | None]:
    if fact.slot == "phone" and fact.label in _SAME_PHONE_LABELS:
        return ("phone", None)
    if fact.slot == "address" and fact.label in (None, "home"):
        return ("address", "home")
    return fact.key


def replaces(old: Fact, new: Fact) -> bool:
    """Does `new` make `old` no longer current (same slot group, another value)?"""
    return _replaces(old, new)


def _replaces(old: Fact, new: Fact) -> bool:
    if group(old) != group(new) or old.value == new.value:
        return False
    if new.slot == "email":
        return new.replaces and (old.label == new.label or new.label is None)
    return new.slot in SINGLE or new.replaces


def matches(fragment: str, fact: Fact) -> bool:
    """Does a phrase that names an old value ("087", "Ardfallen Road", "Leeds") name this one?"""
    frag = fragment.strip().lower()
    if not frag:
        return False
    if fact.slot == "phone" and re.fullmatch(r"[\d\s+()-]+", frag):
        want = digits(frag)
        have = digits(fact.value)
        if not want:
            return False
        if have.endswith(want.lstrip("0")) and len(want.lstrip("0")) >= 6:
            return True
        for cc in (1, 2, 3):  # "087": the national form of +353 87 ...
            if fact.value.strip().startswith("+") and ("0" + have[cc:]).startswith(want):
                return True
        return False
    return re.search(rf"(?<!\w){re.escape(frag)}(?!\w)", fact.value.lower()) is not None


def _settle(facts: list[Fact]) -> list[Fact]:
    out = list(facts)
    for i, new in enumerate(out):
        for j in range(i):
            if not out[j].stale and _replaces(out[j], new):
                out[j] = replace(out[j], stale=True)
    return out


def settle(state: State) -> None:
    """Mark replaced and retracted values stale, for the person and every entity."""
    reading = state.reading
    reading.person_facts = _settle(reading.person_facts)
    for entity in reading.entities:
        entity.facts = _settle(entity.facts)
    for owner, named, hint, span, when in state.retractions:
        who = owner.name if isinstance(owner, Entity) else None
        reading.retractions.append(Retraction(who, named, hint, span, when))
        facts = reading.person_facts if owner == SELF else owner.facts  # type: ignore[union-attr]
        for n, fact in enumerate(facts):
            if fact.stale or (hint and fact.slot != hint):
                continue
            if fact.span.message_id == span.message_id or (fact.said_at and fact.said_at > when):
                continue  # the new value said alongside, or a later one
            if (named and matches(named, fact)) or (not named and hint):
                facts[n] = replace(fact, stale=True)
