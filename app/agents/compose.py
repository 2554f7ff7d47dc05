"""Answers built from memories, never generated: the right field or sentence, its date, its source.

The question is analysed (`app.agents.question`), the memories become statements
(`app.agents.statements`), each statement is scored for this question (whom it is about, the
attribute asked, the kind of answer expected, the words that match, whether a newer value
replaced it) and the best one is rendered: a field as a short sentence with the sentence it was
read from, an event with its day, a how-to with its steps. When no statement answers, the answer
says so and names the closest memories; it never guesses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from app.agents.claims import fold, is_word
from app.agents.question import Question, parse_question
from app.agents.ranking import ANSWER_AT, SINGLE, Scorer, Similarity, by_meaning
from app.agents.reading_view import read_messages
from app.agents.statements import (
    Statement,
    from_core,
    from_event,
    from_procedure,
    from_raw,
    from_resource,
    from_semantic,
    from_vault,
    is_raw,
    local_day,
)
from app.agents.text import clip
from app.domain import Memory, MemoryType
from app.reading import Message, read
from app.reading.lexicon import relation

log = logging.getLogger(__name__)


@dataclass
class Composed:
    answer: str
    citations: list[str]  # ids of the memories the answer states
    found: bool  # False: no memory answers; `related` lists the closest
    related: list[str] = field(default_factory=list)
    used: list[Statement] = field(default_factory=list)


def _date_core_lines(pool: Sequence[Statement]) -> None:
    """A core line's value was said in some message: that message's time is the line's time."""
    raw = [st for st in pool if not st.typed and st.memory.type is MemoryType.EPISODIC]
    for st in pool:
        if st.memory.type is not MemoryType.CORE or not st.value:
            continue
        value = fold(st.value)
        said = [r.said_at for r in raw if value and value in fold(r.memory.text)]
        if said:
            st.at = min(said)


# -- rendering ----------------------------------------------------------------------------------
def day_text(day: date, *, yearly: bool = False, weekday: bool = False) -> str:
    if yearly:
        return f"{day.day} {day:%B}"
    text = f"{day.day} {day:%B %Y}"
    return f"{day:%A} {text}" if weekday else text


def _whose(st: Statement, q: Question) -> tuple[str, str]:
    """("Your", "You") or ("Beatrix's", "Beatrix") for a statement's subject."""
    if st.subject in (None, "self"):
        return "Your", "You"
    name = st.subject
    if st.owner in (None, "self") and relation(name) is not None:
        name = f"Your {name.lower()}"  # a relative known by what they are: "Your dad"
    return f"{name}'s", name


def _lead(st: Statement, q: Question) -> str | None:
    """A short sentence stating a field, or None when the sentence itself says it best."""
    value = (st.value or "").strip().rstrip(".")
    if not value:
        return None
    poss, who = _whose(st, q)
    label = f"{st.label} " if st.label and st.label not in ("mobile",) else ""
    if st.kind == "identity":
        if q.kind == "who" or q.attribute == "name" or q.relation:
            rel = (st.extra.get("relation_text") or st.relation or "").strip()
            if st.owner in (None, "self") and rel and "'s " not in rel:
                return f"Your {rel} is {value}." if q.kind == "who" else f"Your {rel}: {value}."
            if rel:
                return f"{rel[0].upper()}{rel[1:]}: {value}."
        return None
    if st.kind != "field":
        return None
    slot = st.slot
    if slot == "lives_in":
        verb = "live" if who == "You" else "lives"
        return f"{who} {verb} in {value}."
    if slot == "birthday":
        when = day_text(st.when, yearly=True) if st.when else value
        return f"{poss} birthday is on {when}."
    if slot == "email":
        return f"{poss} {label}email address is {value}."
    if slot == "phone":
        kind = "mobile number" if st.label in ("mobile", None) else f"{st.label} number"
        return f"{poss} {kind} is {value}."
    if slot == "address":
        return f"{poss} {label or 'home '}address is {value}."
    if slot == "employer":
        return f"{who} {'work' if who == 'You' else 'works'} at {value}."
    if slot == "job":
        return f"{poss} job: {value}."
    if slot in ("work_location", "work_city"):
        return f"{who} {'work' if who == 'You' else 'works'} from {value}."
    if slot == "allergy":
        return f"{who} {'are' if who == 'You' else 'is'} allergic to {value}."
    if slot == "favourite" and st.label:
        return f"{poss} favourite {st.label} is {value}."
    return None


def _source(st: Statement, chat_person: bool) -> str:
    """Who said it and when, in a few words."""
    memory = st.memory
    when = day_text(local_day(st.said_at))
    kinds = {s.kind for s in memory.sources}
    if memory.type is MemoryType.EPISODIC and "screen" in kinds:
        return f"on screen, {when}"
    if is_raw(memory):  # a message as it was: who said it, and when
        return f"you said on {when}" if chat_person else f"{st.speaker} said on {when}"
    if memory.origin == "user":
        return f"you saved it on {when}"
    # A record the agents wrote: its own date is not when anything was said.
    origin = "your chats" if "chat" in kinds else "your screen" if "screen" in kinds else ""
    kind = "event" if memory.type is MemoryType.EPISODIC else f"{memory.type.value} memory"
    where = f"{kind} from {origin}" if origin else f"your {kind}"
    return f"{where}, said on {when}" if st.at is not None else where


def render(st: Statement, q: Question, number: int, person: bool) -> str:
    mark = f"[{number}]"
    quote = st.text.strip()
    if st.kind == "steps" and st.steps:
        title = str(st.extra.get("title") or quote).strip().rstrip(":")
        if not title.lower().startswith(("how", "to ")):
            title = f"To {title}"
        lines = "\n".join(f"{n}. {step}" for n, step in enumerate(st.steps, 1))
        return f"{title[0].upper()}{title[1:]}: {mark}\n{lines}"
    if st.kind == "vault":
        return (
            f"That is in your vault as “{quote}” {mark}; open the entry to see it "
            "(it is never shown in an answer)."
        )
    if q.kind == "when" and st.when is not None and q.expects != "time":
        weekday = bool(re.search(r"(?i)\bwhat day\b|\bwhich day\b|\bday of the week\b", q.text))
        when = day_text(st.when, yearly=st.yearly, weekday=weekday)
        plan = " (planned)" if st.planned and not st.yearly else ""
        return f"{when}{plan} {mark}: “{quote}” ({_source(st, person)})"
    lead = _lead(st, q)
    if lead:
        if fold(lead.rstrip(".")) in fold(quote):
            return f"{quote} {mark} ({_source(st, person)})"
        if st.kind == "field" and st.typed and st.subject == "self" and st.value:
            # A profile line ("Mobile: +47 ...") is the fact itself: the lead states it, and
            # quoting the line would only add its key, a word nobody said.
            return f"{lead} {mark} ({_source(st, person)})"
        return f"{lead} {mark}\n“{quote}” ({_source(st, person)})"
    if st.kind == "resource":
        title = str(st.extra.get("title") or st.value or "").strip()
        url = str(st.extra.get("url") or "")
        kind = f" ({st.label})" if st.label else ""
        head = f"“{title}”{kind}" + (f": {url}" if url and url not in title else "")
        if fold(quote) in (fold(title), fold(st.text)) and st.typed:
            return f"{head} {mark}"
        return f"{head} {mark}\n“{quote}” ({_source(st, person)})"
    return f"{quote} {mark} ({_source(st, person)})"


def _person_spoke(st: Statement, person_names: Iterable[str]) -> bool:
    speaker = fold(st.speaker or "")
    names = {fold(n) for n in person_names} | {"me", "user", "the user", "i", "you", "myself"}
    return not speaker or speaker in names


def compose(
    question: str | Question,
    memories: Sequence[Memory],
    *,
    person_names: Iterable[str] = (),
    conversations: Mapping[str, str] | None = None,
    similarity: Similarity | None = None,
) -> Composed:
    """The answer the memories give (numbered as `memories`: [1] is the first). `similarity`
    (question, texts) -> cosines, from the embedder search already uses, lets the best
    candidates be compared by meaning as well ("which boat" and "the MV Saltmarsh Lady")."""
    q = question if isinstance(question, Question) else parse_question(question)
    names = tuple(person_names)
    number = {m.id: n for n, m in enumerate(memories, 1)}
    pool = statements(memories, names, conversations)
    _date_core_lines(pool)
    scorer = Scorer(q, pool)
    ranked = sorted(
        ((scorer(st), -number[st.memory.id], st) for st in pool if scorer.admissible(st)),
        key=lambda x: (x[0], x[1]),
        reverse=True,
    )
    if similarity is not None and ranked:
        ranked = by_meaning(q, ranked, similarity)
    if q.activity:
        listed = _activity(q, memories, number, names)
        if listed is not None:
            return listed
    if not ranked or ranked[0][0] < ANSWER_AT:
        return nothing(memories, number)
    best = ranked[0][2]
    parts = [render(best, q, number[best.memory.id], _person_spoke(best, names))]
    used = [best]
    for score, _, st in ranked[1:4]:
        if score < max(ANSWER_AT, ranked[0][0] - 0.5) or q.kind not in ("who", "which", "what"):
            break
        if st.memory.id == best.memory.id or fold(st.text) == fold(best.text):
            continue
        if q.attribute in SINGLE or q.relation or q.names:
            break
        parts.append(render(st, q, number[st.memory.id], _person_spoke(st, names)))
        used.append(st)
        break
    ids = list(dict.fromkeys(st.memory.id for st in used))
    return Composed("\n".join(parts), ids, True, used=used)


def statements(
    memories: Sequence[Memory],
    person_names: Iterable[str] = (),
    conversations: Mapping[str, str] | None = None,
) -> list[Statement]:
    """Every statement of the memories; raw chat messages are also read for fields."""
    out: list[Statement] = []
    raw_chat: list[Memory] = []
    for memory in memories:
        kind = memory.type
        if kind is MemoryType.CORE:
            out += from_core(memory)
        elif kind is MemoryType.SEMANTIC:
            out += from_semantic(memory)
        elif kind is MemoryType.PROCEDURAL:
            out += from_procedure(memory)
        elif kind is MemoryType.RESOURCE:
            out += from_resource(memory)
        elif kind is MemoryType.VAULT:
            out += from_vault(memory)
        elif is_raw(memory):
            out += from_raw(memory)
            if any(s.kind == "chat" for s in memory.sources) or memory.origin == "import":
                raw_chat.append(memory)
        else:
            out += from_event(memory)
    if raw_chat:
        try:
            out += read_messages(raw_chat, tuple(person_names), conversations)
        except Exception:  # reading is an aid: an answer from sentences is still possible
            log.exception("reading the messages at answer time failed")
    return out


def warm_up() -> None:
    """Load the lexicon the question reader and the sentence check use (seconds, once)."""
    is_word("warm")
    compose("Where does Memloci live?", [])
    read([Message("warm", "me", "Yesterday I fixed the tap: turn it off.", datetime.now())])


def _activity(
    q: Question, memories: Sequence[Memory], number: Mapping[str, int], names: tuple[str, ...]
) -> Composed | None:
    """ "What did I do yesterday?": the events the search found in that period, by date."""
    events = [m for m in memories if m.type is MemoryType.EPISODIC][:3]
    if not events:
        return None
    lines = []
    for memory in sorted(events, key=lambda m: m.occurred_at):
        text = " ".join(str(memory.fields.get("summary", memory.text)).split())
        lines.append(f"{day_text(local_day(memory.occurred_at))}: {text} [{number[memory.id]}]")
    return Composed("\n".join(lines), [m.id for m in events], True)


def nothing(memories: Sequence[Memory], number: Mapping[str, int]) -> Composed:
    """No memory answers: say so, and show the closest ones without claiming they answer."""
    related = [m for m in memories if m.type not in (MemoryType.VAULT, MemoryType.CORE)][:3]
    if not related:
        return Composed("None of your memories says that.", [], False)
    lines = [f"[{number[m.id]}] {m.title or clip(m.text, 80)} ({_listed(m)})" for m in related]
    text = "None of your memories says that. The closest ones:\n" + "\n".join(lines)
    return Composed(text, [], False, related=[m.id for m in related])


def _listed(memory: Memory) -> str:
    """A listed memory's day where it has one (a message, a screen, an event); a record the
    agents keep (a person, a how-to) is dated by when it was written, which says nothing."""
    if memory.type is MemoryType.EPISODIC:
        return day_text(local_day(memory.occurred_at))
    return f"{memory.type.value} memory"
