"""Procedural manager: how to do things, as ordered steps.

Rules: a numbered or bulleted list of at least two steps in one message is a procedure, titled by
the line before it. The model is asked only when the batch reads like instructions (cue words),
and writes a summary and up to 8 steps, each grounded in the messages.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from app.agents.managers.base import Context, Manager, ModelCall, Strict, ask, options
from app.agents.operations import Action, Operation
from app.agents.text import clip
from app.domain import MemoryType

_STEP = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•]|step\s+\d+[:.])\s+(?P<step>\S.{2,400})$", re.I | re.M)
CUES = re.compile(
    r"(?i)\b(?:how to|steps?|first,? |then |after that|finally|recipe|instructions|install|"
    r"set ?up|configure|run `|click|open the|go to)\b"
)
TASK = (
    "Keep how-to notes. If the NEW INPUT explains how to do something, write a summary (what it "
    "achieves) and the steps in order, each a short instruction in the input's words. If it "
    "explains no procedure, answer with an empty list."
)
EXAMPLE = (
    "for '[1] Eva: To reset the router, unplug it, wait ten seconds and plug it back in.' the "
    'answer is {"procedures": [{"summary": "Reset the router", "steps": ["Unplug the router", '
    '"Wait ten seconds", "Plug it back in"]}]}'
)


def listed_steps(text: str) -> tuple[str, list[str]] | None:
    """A (title, steps) pair when the text holds a list of at least two steps."""
    matches = list(_STEP.finditer(text))
    if len(matches) < 2:
        return None
    steps = [clip(m.group("step").strip(), 1000) for m in matches][:50]
    before = text[: matches[0].start()].strip().splitlines()
    title = before[-1].strip(" :") if before else steps[0]
    return clip(title or "Steps", 200), steps


class ProceduralManager(Manager):
    type = MemoryType.PROCEDURAL
    name = "procedural"

    def rules(self, ctx: Context) -> list[Operation]:
        ops = []
        for item in ctx.speaking:
            found = listed_steps(item.text)
            if found is None:
                continue
            title, steps = found
            ops.append(
                Operation(
                    Action.ADD,
                    self.type,
                    "extractor",
                    fields={"entry_type": "how-to", "summary": title, "steps": steps},
                    sources=(item.source,),
                    occurred_at=item.timestamp,
                    importance=0.6,
                )
            )
        return ops

    def model_call(self, ctx: Context) -> ModelCall | None:
        inputs = [i for i in ctx.speaking if i.text and CUES.search(i.text)]
        if not inputs:
            return None

        class Procedure(Strict):
            summary: str = Field(min_length=3, max_length=120)
            steps: list[Annotated[str, Field(min_length=2, max_length=160)]] = Field(
                min_length=2, max_length=8
            )

        class Output(Strict):
            procedures: list[Procedure] = Field(max_length=1)

        messages = ask(ctx, TASK, EXAMPLE)

        def convert(output: Output) -> list[Operation]:
            return [
                Operation(
                    Action.ADD,
                    self.type,
                    self.name,
                    fields={"entry_type": "how-to", "summary": p.summary, "steps": p.steps},
                    proposer="model",
                    occurred_at=inputs[-1].timestamp,
                    importance=0.6,
                )
                for p in output.procedures
            ]

        return ModelCall("procedural", messages, Output, convert, options(260))
