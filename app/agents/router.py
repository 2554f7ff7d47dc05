"""The meta memory manager: which memory types a batch of new input should update.

Every manager's deterministic rules run on every batch (they are cheap and do not depend on the
model). The router decides which managers also get a model call: cues in the input (a first-person
statement by the person, a list of steps, a long page on screen) and, when a model is in use, the
model's own choice. Core needs the person's own words and procedural needs instructions, whatever
the model says; the vault is never routed to.
"""

from __future__ import annotations

import re
import threading

from pydantic import Field

from app.agents.managers.base import Context, Strict, ask, choice, options
from app.agents.managers.procedural import CUES as PROCEDURE_CUES
from app.domain import MemoryType
from app.llm.base import ChatModel
from app.llm.structured import CallStats, generate_json

ROUTABLE = ("core", "episodic", "semantic", "procedural", "resource")
TASK = (
    "Decide which memories the NEW INPUT should update. core: facts about the person who writes "
    "(only their own words). episodic: events that happened. semantic: facts about people, "
    "places, things. procedural: how to do something, step by step. resource: documents, web "
    "pages, files. Choose at most 3."
)
_FACTUAL = re.compile(
    r"(?i)\b(?:i am|i'm|i have|i've|i work|i live|i love|i like|i hate|my|is|are|was|were|"
    r"has|have|works?|lives?|moved|bought|started|got|went|visited|met)\b"
)


def cues(ctx: Context) -> set[MemoryType]:
    """Types the input itself points to."""
    chosen: set[MemoryType] = set()
    speaking = [i for i in ctx.speaking if i.text]
    chats = [i for i in speaking if i.kind == "chat"]
    if any(_FACTUAL.search(i.text) for i in chats):
        chosen.add(MemoryType.SEMANTIC)
    if len(chats) >= 2 or any(len(i.text) > 80 for i in chats):
        chosen.add(MemoryType.EPISODIC)
    if any(ctx.is_person(i.speaker) for i in chats):
        chosen.add(MemoryType.CORE)
    if any(PROCEDURE_CUES.search(i.text) for i in speaking):
        chosen.add(MemoryType.PROCEDURAL)
    if any(i.kind == "screen" and len(i.text) >= 300 for i in speaking):
        chosen.add(MemoryType.RESOURCE)
    return chosen


def allowed(ctx: Context) -> set[MemoryType]:
    """What the model may add on top of the cues."""
    out = {MemoryType.SEMANTIC, MemoryType.EPISODIC}
    if any(i.kind == "chat" and ctx.is_person(i.speaker) for i in ctx.speaking):
        out.add(MemoryType.CORE)
    if any(PROCEDURE_CUES.search(i.text) for i in ctx.speaking):
        out.add(MemoryType.PROCEDURAL)
    if any(i.kind == "screen" and len(i.text) >= 300 for i in ctx.speaking):
        out.add(MemoryType.RESOURCE)
    return out


def route(
    ctx: Context,
    model: ChatModel | None,
    stats: CallStats | None = None,
    cancel: threading.Event | None = None,
) -> tuple[set[MemoryType], set[MemoryType]]:
    """(types whose managers get a model call, what the model chose on its own)."""
    found = cues(ctx)
    permitted = allowed(ctx)
    if model is None or not any(i.text for i in ctx.speaking) or permitted <= found:
        return found, set()  # nothing the model could add: no call

    class Output(Strict):
        types: list[choice(list(ROUTABLE))] = Field(max_length=3)  # type: ignore[valid-type]

    messages = ask(ctx, TASK)
    result = generate_json(
        model,
        messages,
        Output,
        options=options(40),
        purpose="router",
        stats=stats,
        cancel=cancel,
    )
    picked = {MemoryType(t) for t in result.types}
    return found | (picked & permitted), picked
