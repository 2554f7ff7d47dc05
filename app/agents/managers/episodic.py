"""Episodic manager: events, each at the moment it happened.

Every message and screen session already has its raw record (made by the importer or capture).
This manager adds what those lack. Rules: an event dated relative to the message ("yesterday",
"last week", "on 8 May") becomes an event at the resolved date, so "when did ..." finds it; a run
of screen sessions on one window becomes one activity with its start and end. The model writes
short third-person summaries of what happened in a conversation.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.agents.inputs import AgentInput
from app.agents.managers.base import Context, Manager, ModelCall, Strict, ask, choice, options
from app.agents.operations import Action, Operation
from app.agents.policy import attribute
from app.agents.text import clip
from app.domain import MemoryType

TASK = (
    "Keep a diary of events. Write what happened in the NEW INPUT: who did what. Each event: "
    "message = the number of the input line that tells it, summary = one short sentence in the "
    "third person with the people's names. At most 2 events; none for small talk."
)
EXAMPLE = (
    "for '[2] Eva: I ran my first marathon on Sunday, in Oslo.' the answer is "
    '{"events": [{"message": 2, "summary": "Eva ran her first marathon in Oslo on Sunday."}]}'
)


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end]."""
    left = max(text.rfind(ch, 0, start) for ch in ".!?\n") + 1
    rights = [p for p in (text.find(ch, end) for ch in ".!?\n") if p != -1]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


class EpisodicManager(Manager):
    type = MemoryType.EPISODIC
    name = "episodic"

    def rules(self, ctx: Context) -> list[Operation]:
        return [*self._dated_events(ctx), *self._activities(ctx)]

    def _dated_events(self, ctx: Context) -> list[Operation]:
        ops = []
        for item in ctx.speaking:
            if item.kind != "chat":
                continue
            for ex in ctx.extractions.get(item.item_id, []):
                mention = ex.date
                if mention is None or mention.recurring:
                    continue  # a birthday or opening hours: a rule, not something that happened
                same_day = mention.day == item.timestamp.date()
                if same_day and mention.precision != "time":
                    continue  # "today": the message's own time says it already
                dated = (
                    item.text[: mention.end] + f" ({mention.label()})" + item.text[mention.end :]
                )
                sentence = sentence_around(dated, mention.start, mention.end)
                sentence = clip(sentence, 600)
                if len(sentence.split()) < 4:
                    continue
                moment = mention.moment(item.timestamp.tzinfo)
                ops.append(
                    Operation(
                        Action.ADD,
                        self.type,
                        "extractor",
                        fields={
                            "occurred_at": moment.isoformat(),
                            "event_type": "event",
                            "actor": item.speaker,
                            "summary": sentence,
                            "details": f"Said on {item.timestamp:%Y-%m-%d %H:%M}; "
                            f"'{mention.text}' is {mention.label()}.",
                        },
                        sources=(item.source,),
                        occurred_at=moment,
                        importance=0.55,
                    )
                )
        return ops

    def _activities(self, ctx: Context) -> list[Operation]:
        """Consecutive screen sessions on the same window, as one activity."""
        runs: list[list[AgentInput]] = []
        for item in (i for i in ctx.inputs if i.kind == "screen"):
            last = runs[-1][-1] if runs else None
            if last is not None and (last.speaker, last.title) == (item.speaker, item.title):
                runs[-1].append(item)
            else:
                runs.append([item])
        ops = []
        for run in runs:
            sessions = tuple(dict.fromkeys(i.source for i in run))
            if len(sessions) < 2 and run[0].memory_id is not None:
                continue  # one session (handed off in parts): capture's own record says it all
            first, last = run[0], run[-1]
            end: datetime = max((i.end or i.timestamp) for i in run)
            minutes = max(1, round((end - first.timestamp).total_seconds() / 60))
            title = first.title or "a window"
            detail = f"{first.timestamp:%Y-%m-%d %H:%M}-{end:%H:%M} ({minutes} min)"
            if last.url:
                detail += f"; {last.url}"
            ops.append(
                Operation(
                    Action.ADD,
                    self.type,
                    "extractor",
                    fields={
                        "occurred_at": first.timestamp.isoformat(),
                        "event_type": "activity",
                        "actor": first.speaker,
                        "summary": clip(f"Used {first.speaker}: {title} ({minutes} min)", 1000),
                        "details": detail,
                    },
                    sources=sessions,
                    occurred_at=first.timestamp,
                    importance=0.4,
                )
            )
        return ops

    def model_call(self, ctx: Context) -> ModelCall | None:
        numbers = [n for n, i in enumerate(ctx.speaking, 1) if i.kind == "chat" and i.text]
        texts = [ctx.speaking[n - 1].text for n in numbers]
        if len(numbers) < 2 and not (texts and len(texts[0]) > 80):
            return None
        inputs = ctx.speaking

        class Event(Strict):
            message: choice(numbers)  # type: ignore[valid-type]
            summary: str = Field(min_length=8, max_length=200)

        class Output(Strict):
            events: list[Event] = Field(max_length=2)

        messages = ask(ctx, TASK, EXAMPLE)

        def convert(output: Output) -> list[Operation]:
            ops = []
            for event in output.events:
                item = inputs[event.message - 1]
                found = ctx.extractions.get(item.item_id, [])
                dates = [e.date for e in found if e.date is not None and not e.date.recurring]
                moment = dates[0].moment(item.timestamp.tzinfo) if dates else item.timestamp
                ops.append(
                    Operation(
                        Action.ADD,
                        self.type,
                        self.name,
                        fields={
                            "occurred_at": moment.isoformat(),
                            "event_type": "conversation",
                            "actor": item.speaker,
                            "summary": event.summary,
                        },
                        proposer="model",
                        sources=tuple(attribute(event.summary, inputs, event.message - 1)),
                        occurred_at=moment,
                        importance=0.5,
                    )
                )
            return ops

        return ModelCall("episodic", messages, Output, convert, options(150))
