"""Events: dated happenings and plans, resolved by tense; yearly and recurring dates are not."""

from __future__ import annotations

from datetime import date, datetime

from tests.unit.reading_helpers import START, chat, me

# START is Wednesday 3 June 2026.


def days(reading) -> list[tuple[date, bool]]:
    return [(e.day, e.planned) for e in reading.events]


def test_past_weekday_is_the_last_one() -> None:
    r = me("On Monday we repainted the shed.")
    assert days(r) == [(date(2026, 6, 1), False)]


def test_planned_weekday_is_the_next_one() -> None:
    r = me("We're driving to Ålesund on Monday.")
    assert days(r) == [(date(2026, 6, 8), True)]


def test_question_about_a_weekday_is_a_plan() -> None:
    r = chat(("me", "Still up for the quiz night on Friday?"))
    assert days(r) == [(date(2026, 6, 5), True)]


def test_relative_days_and_last_night() -> None:
    r = me("The day before yesterday I sold my old bike.", "Last night we saw a fox.")
    assert days(r) == [(date(2026, 6, 1), False), (date(2026, 6, 2), False)]


def test_day_of_month_alone_and_diary_style() -> None:
    r = me("driving to kristiansand on the 20th for the regatta", "went fishing yesterday w arne")
    assert days(r) == [(date(2026, 6, 20), True), (date(2026, 6, 2), False)]


def test_a_dated_plan_later_in_the_year() -> None:
    r = me("Kaja's graduation is on 19 September in Oslo.")
    assert days(r) == [(date(2026, 9, 19), True)]
    assert "graduation" in r.events[0].summary


def test_yearly_recurring_and_hypothetical_dates_are_not_events() -> None:
    r = me(
        "Her birthday is on 14 July.",
        "Nora turns nine on 30 June.",
        "The bins go out every Tuesday.",
        "The gym opens at 6am on Sundays.",
        "We could go to the lake on Saturday.",
    )
    assert r.events == []


def test_steps_of_a_procedure_are_not_events() -> None:
    r = me("To renew a permit: log in, upload the form, and pay before Friday 5pm.")
    assert r.events == []
    assert len(r.procedures) == 1


def test_event_actor_and_source() -> None:
    r = chat(("Jonas", "I ran the Bergen marathon yesterday!", datetime(2026, 4, 26, 9, 0)))
    event = r.events[0]
    assert event.actor == "Jonas" and event.day == date(2026, 4, 25)
    assert event.span.message_id == "m1" and "marathon" in event.span.text


def test_start_is_a_wednesday() -> None:
    assert START.weekday() == 2
