"""Procedures in any form, recognised by verb-first steps rather than topic words."""

from __future__ import annotations

from tests.unit.reading_helpers import me


def only(reading):
    assert len(reading.procedures) == 1, reading.procedures
    return reading.procedures[0]


def test_numbered_list_under_a_heading() -> None:
    p = only(
        me(
            "How I repot the orchid:\n1. Soak the roots for ten minutes.\n"
            "2. Cut away dead roots.\n3. Place it in bark, not soil."
        )
    )
    assert p.title == "repot the orchid"
    assert p.steps == (
        "Soak the roots for ten minutes",
        "Cut away dead roots",
        "Place it in bark, not soil",
    )


def test_bulleted_list() -> None:
    p = only(me("Steps to book a court:\n- open the club app\n- pick a slot\n- pay with Vipps"))
    assert p.title == "book a court"
    assert p.steps == ("open the club app", "pick a slot", "pay with Vipps")


def test_to_x_colon_comma_steps() -> None:
    p = only(me("To reset the alarm: enter the code, press hash, then wait for two beeps."))
    assert p.title == "reset the alarm"
    assert p.steps == ("enter the code", "press hash", "wait for two beeps")


def test_first_then_finally() -> None:
    p = only(
        me(
            "To claim expenses: first scan the receipts, then upload them to Concur, "
            "finally email the approver."
        )
    )
    assert p.steps == ("scan the receipts", "upload them to Concur", "email the approver")


def test_terse_note_and_past_narrative() -> None:
    p = only(me("defrost freezer: unplug it, empty it, towels on floor, wait 4 hrs, wipe dry"))
    assert p.title == "defrost freezer" and len(p.steps) == 5
    q = only(
        me(
            "Last week I finally unblocked the sink: pour baking soda, add vinegar, "
            "wait ten minutes, flush with boiling water."
        )
    )
    assert q.title == "unblock the sink" and q.narrative
    assert q.steps[0] == "pour baking soda"


def test_lists_of_things_are_not_procedures() -> None:
    r = me(
        "Shopping: eggs, flour, butter, and milk.",
        "Contacts for forms: email a@b.no, mobile +47 912 34 567.",
    )
    assert r.procedures == []
