"""Semantic manager: facts about people, places, things and preferences, one fact per record.

Rules: contact details the text attributes to someone other than the person ("Ana's e-mail is
...", "call Tom at ...") become a fact keyed by owner and kind; a newer different value for the
same key invalidates the old record with a reason. The model adds, updates or invalidates facts
against the known facts it is shown.
"""

from __future__ import annotations

from pydantic import Field

from app.agents.extractors import Extraction
from app.agents.managers.base import (
    Context,
    Manager,
    ModelCall,
    Strict,
    ask,
    choice,
    numbered_memories,
    options,
)
from app.agents.operations import Action, Operation
from app.domain import MemoryType

KIND_WORDS = {"email": "e-mail", "phone": "phone number", "address": "address"}

TASK = (
    "Write the facts the NEW INPUT states about people, places and things that KNOWN FACTS do "
    "not already say. subject: who or what the fact is about. fact: one short sentence in the "
    "third person, in the input's words. action: ADD a new fact (target 0); UPDATE when the "
    "input changes known fact #target; INVALIDATE when the input shows known fact #target is no "
    "longer true; NOOP when nothing is new. At most 3 facts."
)
EXAMPLE = (
    "for '[1] Jon: We moved to Bergen last month.' and known fact '#1 Jon: Jon lives in Oslo.' "
    'the answer is {"operations": [{"action": "UPDATE", "target": 1, "subject": "Jon", '
    '"fact": "Jon moved to Bergen."}]}'
)


def contact_key(owner: str, extraction: Extraction) -> str:
    label = f"{extraction.label} " if extraction.label else ""
    return f"{owner} ({label}{KIND_WORDS[extraction.kind]})"


class SemanticManager(Manager):
    type = MemoryType.SEMANTIC
    name = "semantic"

    def rules(self, ctx: Context) -> list[Operation]:
        ops: list[Operation] = []
        for item in ctx.speaking:
            for ex in ctx.extractions.get(item.item_id, []):
                if ex.kind not in KIND_WORDS or item.kind != "chat":
                    continue
                if ex.owner is not None and ctx.is_person(ex.owner):
                    continue  # the person's own details go to core memory
                owner = ex.owner
                if owner is None:
                    name = ex.value
                    summary = (
                        f"{KIND_WORDS[ex.kind].capitalize()} {ex.value}, mentioned by "
                        f"{item.speaker} on {item.timestamp:%Y-%m-%d}."
                    )
                else:
                    name = contact_key(owner, ex)
                    label = f"{ex.label} " if ex.label else ""
                    summary = f"{owner}'s {label}{KIND_WORDS[ex.kind]} is {ex.value}."
                fields = {"name": name[:200], "summary": summary}
                for old in ctx.by_name(MemoryType.SEMANTIC, name) if owner else []:
                    if old.active and ex.key.replace(" ", "") not in old.text.lower().replace(
                        " ", ""
                    ):
                        ctx.shown[old.id] = old
                        ops.append(
                            Operation(
                                Action.INVALIDATE,
                                self.type,
                                "extractor",
                                target=old.id,
                                reason=f"replaced by a newer {KIND_WORDS[ex.kind]} "
                                f"({item.source.kind} {item.source.ref})",
                                sources=(item.source,),
                            )
                        )
                ops.append(
                    Operation(
                        Action.ADD,
                        self.type,
                        "extractor",
                        fields=fields,
                        sources=(item.source,),
                        occurred_at=item.timestamp,
                        importance=0.6,
                    )
                )
        return ops

    def model_call(self, ctx: Context) -> ModelCall | None:
        inputs = ctx.speaking
        if not inputs or not any(i.text for i in inputs):
            return None
        known = ctx.shown_of(self.type)
        subjects = ctx.subjects([str(m.fields.get("name", "")) for m in known])
        if not subjects:
            return None

        class Fact(Strict):
            action: choice(["ADD", "UPDATE", "INVALIDATE", "NOOP"])  # type: ignore[valid-type]
            target: choice(list(range(len(known) + 1)))  # type: ignore[valid-type]
            subject: choice(subjects)  # type: ignore[valid-type]
            fact: str = Field(min_length=3, max_length=160)

        class Output(Strict):
            operations: list[Fact] = Field(max_length=3)

        task = (
            f"{TASK}\nKNOWN FACTS:\n{numbered_memories(known)}\nSubjects you may use: "
            f"{', '.join(subjects)}."
        )
        messages = ask(ctx, task, EXAMPLE)

        def convert(output: Output) -> list[Operation]:
            ops = []
            for fact in output.operations:
                target = known[fact.target - 1] if fact.target else None
                action = Action(fact.action)
                if action is not Action.ADD and target is None:
                    if action is not Action.UPDATE:
                        continue
                    action = Action.ADD
                if action is Action.ADD:
                    target = None
                op = Operation(
                    action,
                    self.type,
                    self.name,
                    proposer="model",
                    target=target.id if target else None,
                    occurred_at=inputs[-1].timestamp,
                )
                if action in (Action.ADD, Action.UPDATE):
                    op.fields = {"name": fact.subject, "summary": fact.fact}
                if action is Action.INVALIDATE:
                    op.reason = f"no longer true: {fact.fact}"
                if action is Action.NOOP:
                    op.reason = "seen again"
                ops.append(op)
            return ops

        return ModelCall("semantic", messages, Output, convert, options(200))
