"""Answers built from memories without a model: the right field or sentence, its date, its source,
current values, and a plain "no memory says so" instead of a guess. Memories are built by hand,
as today's records (messages, core lines, semantic summaries) and as the entity records with slot
fields that the write path is to store; the people and sentences are written for these tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from app.agents.compose import compose
from app.domain import Memory, MemoryType, Source
from app.memory import kind_of

T0 = datetime(2025, 10, 6, 9, 0).astimezone()  # a Monday
_ids = itertools.count(1)


def mem(
    kind: str,
    fields: dict[str, Any],
    *,
    at: datetime = T0,
    origin: str = "agent",
    sources: tuple[Source, ...] = (),
    text: str | None = None,
) -> Memory:
    memory_type = MemoryType(kind)
    if text is None:
        text = kind_of(memory_type).render(fields)
    n = next(_ids)
    return Memory(
        f"m{n:015d}",
        memory_type,
        fields,
        text,
        at,
        at,
        at,
        1,
        origin,
        0.5,
        sources or (Source("chat", f"c{n}"),),
    )


def said(text: str, at: datetime = T0, speaker: str = "me") -> Memory:
    """A chat message as the importer stores it."""
    fields = {
        "occurred_at": at.isoformat(),
        "event_type": "chat",
        "actor": speaker,
        "summary": text,
        "details": "",
    }
    return mem("episodic", fields, at=at, origin="import")


def entity(name: str, summary: str, **extra: Any) -> Memory:
    fields = {"name": name, "summary": summary, "details": extra.pop("details", ""), **extra}
    return mem("semantic", fields, text=f"{name}: {summary}")


def test_an_entity_record_answers_by_field_with_its_citation() -> None:
    ingrid = entity(
        "Ingrid",
        "the user's aunt; lives in Bergen; birthday 3 May",
        details="lives_in: Bergen  [c1]\nbirthday: 3 May  [c2]",
    )
    noise = said("Bergen was rainy all week, we stayed in.")
    where = compose("Where does my aunt live?", [noise, ingrid])
    assert where.found and where.citations == [ingrid.id]
    assert where.answer.startswith("Ingrid lives in Bergen. [2]")
    when = compose("When is Ingrid's birthday?", [noise, ingrid])
    assert when.answer.startswith("3 May [2]: ")  # a yearly date: no year is invented


def test_slot_fields_prefer_the_current_value() -> None:
    record = entity(
        "Osvaldo",
        "the user's landlord",
        relation="landlord",
        slots={
            "phone": [
                {"value": "+351 912 000 111", "current": False},
                {"value": "+351 912 000 999", "current": True},
            ],
            "email": [{"value": "osvaldo@casa.example", "label": "work"}],
        },
    )
    phone = compose("What is my landlord's phone number?", [record])
    assert "+351 912 000 999" in phone.answer and "000 111" not in phone.answer
    assert compose("Who is my landlord?", [record]).answer.startswith("Your landlord is Osvaldo.")
    assert "osvaldo@casa.example" in compose("What is Osvaldo's work email?", [record]).answer


def test_core_lines_and_the_newest_message_win_over_an_old_line() -> None:
    core = mem(
        "core",
        {
            "label": "human",
            "value": "Name: Marisol Quintero\nMobile: +34 600 111 222\n"
            "Work email: m.quintero@lonja.example\nI like quiet trains",
        },
    )
    old = said("My mobile is +34 600 111 222.", T0 - timedelta(days=30))
    new = said("New mobile number: +34 600 333 444, the old one is disconnected.", T0)
    answer = compose("What's my mobile number?", [core, old, new])
    assert "+34 600 333 444" in answer.answer and answer.citations == [new.id]
    assert "600 111 222" not in answer.answer
    email = compose("What is my work email?", [core, old, new])
    assert email.answer.startswith("Your work email address is m.quintero@lonja.example.")
    assert email.citations == [core.id]


def test_the_line_holding_the_answer_not_the_title_line() -> None:
    screen = mem(
        "episodic",
        {
            "occurred_at": T0.isoformat(),
            "event_type": "screen",
            "actor": "Firefox",
            "summary": "Harrow Lane Cafe - prices\nHarrow Lane Cafe prices\nFlat white: 3.20 GBP\n"
            "Scone with jam: 2.80 GBP\nOpen daily from 8:00",
        },
        origin="capture",
        sources=(Source("screen", "s1"),),
    )
    answer = compose("How much is a scone with jam at the Harrow Lane Cafe?", [screen])
    assert answer.answer.startswith("Scone with jam: 2.80 GBP [1]")
    opens = compose("What time does the Harrow Lane Cafe open?", [screen])
    assert opens.answer.startswith("Open daily from 8:00")


def test_when_questions_get_the_day_the_event_happened() -> None:
    trip = said("Yesterday we finally climbed Ben Ledi with the Okafors.", T0)
    event = mem(
        "episodic",
        {
            "occurred_at": (T0 + timedelta(days=3)).isoformat(),
            "event_type": "event",
            "actor": "me",
            "summary": "Picked up the new bicycle from Halden Cycles",
        },
        at=T0 + timedelta(days=3),
    )
    climbed = compose("When did we climb Ben Ledi?", [event, trip])
    assert climbed.answer.startswith("5 October 2025 [2]")  # the day before the message
    bike = compose("When did I pick up the new bicycle?", [event, trip])
    assert bike.answer.startswith("9 October 2025 [1]") and bike.citations == [event.id]


def test_how_to_gives_the_steps_of_the_procedure() -> None:
    steps = mem(
        "procedural",
        {
            "entry_type": "how-to",
            "summary": "How to reset the router",
            "steps": ["unplug it", "wait ten seconds", "hold reset"],
        },
    )
    chat = said("The router blinked orange all morning.")
    answer = compose("How do I reset the router?", [chat, steps])
    assert answer.answer.splitlines() == [
        "How to reset the router: [2]",
        "1. unplug it",
        "2. wait ten seconds",
        "3. hold reset",
    ]


def test_a_question_no_memory_answers_says_so_and_guesses_nothing() -> None:
    memories = [said("Ordered the new curtains for the study."), said("The plumber came at 10.")]
    answer = compose("What is my dentist's phone number?", memories)
    assert not answer.found and answer.citations == []
    assert answer.answer.startswith("None of your memories says that.")
    assert answer.related == [m.id for m in memories]


def test_a_vault_entry_is_named_never_revealed() -> None:
    entry = mem(
        "vault",
        {"caption": "locker code at the gym", "entry_type": "password", "sensitivity": "medium"},
        text="locker code at the gym",
    )
    answer = compose("What is my gym locker code?", [entry])
    assert "in your vault" in answer.answer and answer.citations == [entry.id]


def test_messages_are_read_for_fields_and_other_speakers_are_named() -> None:
    msgs = [
        said("My brother Tobias lives in Winnipeg now.", T0 - timedelta(days=2)),
        said("My new email is hedda.lund@fjord.example if you need it.", T0, speaker="Hedda"),
    ]
    lives = compose("Where does my brother live?", msgs, person_names=["Marisol"])
    assert "Tobias lives in Winnipeg" in lives.answer and lives.citations == [msgs[0].id]
    email = compose("What is Hedda's email?", msgs, person_names=["Marisol"])
    assert email.answer.startswith("Hedda's email address is hedda.lund@fjord.example. [2]")
    assert "(Hedda said on 6 October 2025)" in email.answer


def test_entity_and_core_records_as_the_write_path_stores_them() -> None:
    """Read generically by their fields: an entity record's slots (values with the message
    and time they were said, replaced ones kept as not current) and the core block's
    `Key: value` lines with their sources; the answer says when it was said, in words."""
    cousin = entity(
        "Rosalind",
        "the user's cousin; lives in Tromsø",
        kind="person",
        relation="cousin",
        aliases=["Ros"],
        slots={
            "lives_in": [
                {
                    "value": "Oslo",
                    "source": "chat:c1",
                    "said_at": "2025-01-02T10:00:00+00:00",
                    "current": False,
                    "replaced_by": "chat:c9",
                    "reason": "moved",
                },
                {"value": "Tromsø", "source": "chat:c9", "said_at": "2025-09-02T10:00:00+00:00"},
            ],
            "employer": [{"value": "Hurtigruten", "source": "chat:c4"}],
        },
    )
    core = mem(
        "core",
        {
            "label": "human",
            "value": "Name: Ola Berg\nMobile: +47 400 11 222\nCity: Bodø",
            "lines": [
                {
                    "key": "Mobile",
                    "value": "+47 400 11 222",
                    "source": "chat:c5",
                    "said_at": "2025-08-01T09:00:00+00:00",
                }
            ],
        },
    )
    lives = compose("Where does Ros live?", [cousin, core])
    assert lives.answer == (
        "Rosalind lives in Tromsø [1] (semantic memory from your chats, said on 2 September 2025)"
    )
    works = compose("Where does Rosalind work?", [cousin, core])
    assert works.answer.startswith("Rosalind works at Hurtigruten [1]")
    mobile = compose("What's my mobile number?", [cousin, core])
    assert mobile.answer.splitlines() == [  # the profile line is stated, not quoted
        "Your mobile number is +47 400 11 222. [2] "
        "(core memory from your chats, said on 1 August 2025)",
    ]


def test_a_birthday_written_loosely_is_still_a_day_and_a_relative_is_yours() -> None:
    note = said("grandpa is retired in Linz, bday mar 4", T0)
    answer = compose("when is my grandpa's birthday?", [note])
    assert answer.answer.startswith("4 March [1]: “grandpa is retired in Linz, bday mar 4”")
    unsaid = compose("where does my grandpa work?", [note])  # retired: no memory says where
    assert not unsaid.found
    assert unsaid.answer.endswith("[1] me: grandpa is retired in Linz, bday mar 4 (6 October 2025)")


def test_the_closest_records_are_not_dated_by_when_the_agents_wrote_them() -> None:
    written = T0 + timedelta(days=200)  # the agents ran long after the chat
    record = mem(
        "semantic",
        {"name": "Ingrid", "summary": "the user's aunt; lives in Bergen", "details": ""},
        at=written,
        text="Ingrid: the user's aunt; lives in Bergen",
    )
    message = said("Ingrid sent a postcard from the fjords.", T0)
    answer = compose("What is Ingrid's shoe size?", [record, message])
    assert not answer.found
    assert "(semantic memory)" in answer.answer and "(6 October 2025)" in answer.answer
    assert f"{written:%B}" not in answer.answer
