"""Core manager: the `human` block (who the person is) and the `persona` block (how Memloci
should behave), which are always in the chat agent's context.

Only the person's own words change core memory: their turns in `memloci chat`, or turns in an
imported chat by a speaker named in `agents.person_names`. Rules add their own contact details
("my e-mail is ..."); the model adds first-person facts. The persona block only takes what the
person says to Memloci itself, never text from other conversations or the screen.
"""

from __future__ import annotations

from pydantic import Field

from app.agents.managers.base import Context, Manager, ModelCall, Strict, ask, choice, options
from app.agents.managers.semantic import KIND_WORDS
from app.agents.operations import Action, Operation
from app.domain import MemoryType

TASK = (
    "Keep two short notes. 'human': facts about the person who writes as {who} (name, work, "
    "family, home, likes and dislikes). 'persona': how the person wants the assistant to "
    "behave. Write each new fact as one short sentence in the first person ('I work as a "
    "nurse.'). At most 2 facts; none if {who} states none."
)
EXAMPLE = (
    "for '[1] me: I'm a vegetarian and I hate early meetings.' the answer is {\"facts\": "
    '[{"label": "human", "fact": "I am a vegetarian."}, {"label": "human", "fact": "I dislike '
    'early meetings."}]}'
)


def is_memloci_conversation(conversation: str) -> bool:
    return conversation.startswith("memloci-")


class CoreManager(Manager):
    type = MemoryType.CORE
    name = "core"

    def rules(self, ctx: Context) -> list[Operation]:
        ops = []
        for item in ctx.speaking:
            if item.kind != "chat":
                continue
            for ex in ctx.extractions.get(item.item_id, []):
                if ex.kind in KIND_WORDS and ex.owner is not None and ctx.is_person(ex.owner):
                    # "Key: value" lines, as autofill reads the human block.
                    label = f"{ex.label} " if ex.label else ""
                    key = f"{label}{KIND_WORDS[ex.kind]}"
                    line = f"{key[0].upper()}{key[1:]}: {ex.value}"
                    ops.append(
                        Operation(
                            Action.ADD,
                            self.type,
                            "extractor",
                            fields={"label": "human", "value": line},
                            sources=(item.source,),
                            importance=0.8,
                        )
                    )
        return ops

    def mine(self, ctx: Context) -> list:
        return [i for i in ctx.speaking if i.kind == "chat" and ctx.is_person(i.speaker)]

    def model_call(self, ctx: Context) -> ModelCall | None:
        inputs = [i for i in self.mine(ctx) if i.text]
        if not inputs:
            return None
        labels = ["human"]
        if all(is_memloci_conversation(i.conversation) for i in inputs):
            labels.append("persona")

        class Fact(Strict):
            label: choice(labels)  # type: ignore[valid-type]
            fact: str = Field(min_length=3, max_length=160)

        class Output(Strict):
            facts: list[Fact] = Field(max_length=2)

        who = " or ".join(sorted({f"'{i.speaker}'" for i in inputs}))
        messages = ask(ctx, TASK.format(who=who), EXAMPLE)

        def convert(output: Output) -> list[Operation]:
            return [
                Operation(
                    Action.ADD,
                    self.type,
                    self.name,
                    fields={"label": fact.label, "value": fact.fact},
                    proposer="model",
                    importance=0.8,
                )
                for fact in output.facts
            ]

        return ModelCall("core", messages, Output, convert, options(120))
