"""The answer composer's statements are built by one builder per shape: a slot value read from
a message is the same statement whether it is about the person or about someone they know, and
the same as a typed record's slot (a loosely written birthday is a yearly date either way)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.agents.reading_view import read_messages
from app.agents.statements import from_semantic
from app.domain import Memory, MemoryType, Source

SAID = datetime(2023, 5, 8, 12, 0, tzinfo=UTC)


def _message(text: str, ident: str = "m1") -> Memory:
    return Memory(
        id=ident,
        type=MemoryType.EPISODIC,
        fields={"summary": text, "actor": "me", "event_type": "chat"},
        text=text,
        occurred_at=SAID,
        created_at=SAID,
        updated_at=SAID,
        version=1,
        origin="import",
        importance=0.5,
        sources=(Source("chat", ident),),
        title=text,
    )


def _birthday(text: str, subject: str) -> object:
    found = [
        s
        for s in read_messages([_message(text)], ("Tomasz",))
        if s.kind == "field" and s.slot == "birthday" and s.subject == subject
    ]
    assert found, text
    return found[0]


@pytest.mark.parametrize(
    ("text", "subject"),
    [("my bday is jan 30", "self"), ("Ana's bday is jan 30", "Ana")],
)
def test_a_loosely_written_birthday_is_a_yearly_date_for_anyone(text: str, subject: str) -> None:
    statement = _birthday(text, subject)
    assert statement.yearly and statement.when is not None  # type: ignore[attr-defined]
    assert (statement.when.month, statement.when.day) == (1, 30)  # type: ignore[attr-defined]


def test_a_fact_read_from_a_message_carries_what_a_typed_slot_does() -> None:
    read = _birthday("Ana's birthday is on 14 February.", "Ana")
    typed = from_semantic(
        Memory(
            id="s1",
            type=MemoryType.SEMANTIC,
            fields={
                "name": "Ana",
                "summary": "birthday 14 February",
                "kind": "person",
                "slots": {"birthday": [{"value": "14 February", "source": "chat:m1"}]},
            },
            text="Ana: birthday 14 February",
            occurred_at=SAID,
            created_at=SAID,
            updated_at=SAID,
            version=1,
            origin="agent",
            importance=0.5,
            sources=(Source("chat", "m1"),),
            title="Ana",
        )
    )
    slot = next(s for s in typed if s.kind == "field" and s.slot == "birthday")
    for statement in (read, slot):
        assert statement.yearly and statement.value == "14 February"  # type: ignore[attr-defined]
        assert isinstance(statement.when, date)  # type: ignore[attr-defined]
        assert (statement.when.month, statement.when.day) == (2, 14)  # type: ignore[attr-defined]
