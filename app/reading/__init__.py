"""Reading messages into typed, grounded memory candidates without a language model.

`read(messages, person=PersonContext(names), now=...)` returns a `Reading`: facts about the
person, entities with their facts, procedures, resources and events, each tied to the span of
the message it came from. Pure: no store, no writes, no model, no Qt.
"""

from app.reading.model import (
    Entity,
    Event,
    Fact,
    Message,
    PersonContext,
    Procedure,
    Reading,
    Resource,
    Retraction,
    Span,
)
from app.reading.reader import read

__all__ = [
    "Entity",
    "Event",
    "Fact",
    "Message",
    "PersonContext",
    "Procedure",
    "Reading",
    "Resource",
    "Retraction",
    "Span",
    "read",
]
