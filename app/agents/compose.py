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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from app.agents.claims import claims, fold
from app.agents.question import Question, parse_question
from app.agents.statements import Statement, is_raw, local_day, statements
from app.agents.text import content_words, stem
from app.domain import Memory, MemoryType
from app.reading.lexicon import relation

log = logging.getLogger(__name__)

# Slots that hold one current value: a newer one replaces the older.
SINGLE = frozenset(
    """phone email address lives_in work_location work_city work_address employer job birthday
    name nickname diet""".split()
)
# An asked attribute that a statement's slot also answers.
COMPATIBLE = {
    "lives_in": {"lives_in", "address", "city"},
    "address": {"address", "work_address"},
    "work_location": {"work_location", "work_city", "work_address", "works_at"},
    "employer": {"employer", "works_at"},
    "job": {"job", "role"},
    "hours": {"hours", "schedule"},
    "kind": {"is", "note", "breed"},
    "favourite": {"favourite", "preference"},
    "preference": {"preference", "favourite", "dislike"},
    "allergy": {"allergy", "diet"},
    "diet": {"diet", "allergy"},
}
_CUES = {
    "lives_in": ("live", "lives", "living", "moved"),
    "birthday": ("birthday", "bday", "born"),
    "email": ("@",),
    "phone": ("phone", "mobile", "number", "+"),
    "address": ("address", "road", "street", "lane", "terrace", "avenue"),
    "allergy": ("allerg",),
    "hours": ("open", "close", "hours", "hrs", "until"),
}
ANSWER_AT = 3.0  # below this, no memory answers the question
_MONEY = re.compile(
    r"[€$£¥]\s?\d|\d[\d,.]*\s?(?:eur|euros?|usd|dollars?|gbp|pounds?|nok|sek|dkk|kr|chf|pln|zł|"
    r"cents?|pence|p)\b",
    re.I,
)
_DATE_WORDS = re.compile(
    r"(?i)\b\d{1,2}(?:st|nd|rd|th)?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)


def _sentence_holds(pattern: str, also: str | None = None) -> Callable[[str, str], bool]:
    cue = re.compile(pattern, re.I)
    extra = re.compile(also, re.I) if also else None
    return lambda raw, folded: (
        bool(cue.search(folded)) and (extra is None or bool(extra.search(raw)))
    )


# What a sentence must hold to answer an attribute (a field answers by its slot).
_HOLDS: dict[str, Callable[[str, str], bool]] = {
    "email": _sentence_holds(r"@"),
    "phone": _sentence_holds(r"\d[\d\s().-]{5,}\d"),
    "birthday": _sentence_holds(r"birthday|bday|b-day|born", _DATE_WORDS.pattern),
    "address": _sentence_holds(r"\d+\w*\s+\w+|address"),
    "lives_in": _sentence_holds(r"\blives?\b|\bliving\b|\bmoved\b|\bbased\b|\bfrom\b"),
    "allergy": _sentence_holds(r"allerg|can'?t eat|cannot eat|intoleran"),
    "hours": _sentence_holds(r"\d|open|close|closed"),
    "work_location": _sentence_holds(r"\bwork|\boffice|\bbased\b"),
    "employer": _sentence_holds(r"\bwork|\bjob\b|\bemploy"),
    "job": _sentence_holds(r"\bwork|\bjob\b|\bi'?m an?\b|\bteach"),
    "favourite": _sentence_holds(r"favou?rite|\blove\b|\bbest\b|only keep|\bprefer"),
}
RERANK = 40  # candidates compared by meaning
MEANING = 6.0  # weight of the cosine between question and candidate
MEANING_FLOOR = 0.3  # a cosine below this (unrelated text) counts against
Similarity = Callable[[str, list[str]], list[float]]
_MEASURE = re.compile(
    r"[€$£¥]\s?\d[\d,.]*|(?<![\d:.])\d[\d,.]*\s?(?!(?:am|pm)\b)"
    r"(?:%|°\w?|[a-zµ][\w/²³]{0,11}\b|[A-Z][A-Za-z]{0,3}\b)"
)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_PLACE = re.compile(r"(?i)\b(?:in|at|to|from|on|near)\s+(?:the\s+)?[^\W\d_]|\b\d+\s+[^\W\d_]{3,}")


@dataclass
class Composed:
    answer: str
    citations: list[str]  # ids of the memories the answer states
    found: bool  # False: no memory answers; `related` lists the closest
    related: list[str] = field(default_factory=list)
    used: list[Statement] = field(default_factory=list)


def _has(text: str, expects: str, question: str) -> bool:
    """Does the text hold an answer of the expected type that the question does not?"""
    asked = fold(question)
    found = [c for c in claims(text) if str(c.keys[0]) not in asked and fold(c.text) not in asked]
    kinds = {c.kind for c in found}
    if expects == "time":
        return bool(kinds & {"time"}) or bool(re.search(r"\d{1,2}\s*(?:-|–|to|until)\s*\d", text))
    if expects == "date":
        return bool(kinds & {"date", "year", "month"})
    if expects in ("number", "amount"):
        return bool(kinds & {"number", "digits", "time", "literal"})
    if expects == "email":
        return "@" in text
    if expects == "phone":
        return "digits" in kinds
    if expects == "person":
        return "name" in kinds
    if expects == "place":
        return "name" in kinds or "literal" in kinds
    return True


def _word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text) is not None


class Scorer:
    """How well each statement answers one question."""

    def __init__(self, question: Question, pool: Sequence[Statement]) -> None:
        self.q = question
        self.q_words = content_words(question.text)
        self.memory_words: dict[str, set[str]] = {}
        self.memory_text: dict[str, str] = {}
        self.titles: dict[str, str] = {}  # a screen record's window, what its page is about
        for st in pool:
            if st.memory.id not in self.memory_words:
                self.memory_words[st.memory.id] = content_words(st.memory.text)
                self.memory_text[st.memory.id] = fold(st.memory.text)
                if any(s.kind == "screen" for s in st.memory.sources):
                    self.titles[st.memory.id] = fold(str(st.memory.fields.get("summary", "")))
        self.superseded = _superseded(pool)
        # Names and relations are matched as the subject; the rest of the words here.
        subject = {stem(fold(n)) for n in question.names}
        subject |= {stem(w) for w in question.subject_words}
        if question.relation:
            subject |= {stem(w) for w in content_words(question.text) if relation(w)}
        self.focus = frozenset(question.focus - subject)

    def admissible(self, st: Statement) -> bool:
        """Can this statement answer at all? About whom the question asks, holding the
        attribute it asks for, sharing one of its words: else it is no answer, however close."""
        q = self.q
        text = fold(st.text)
        if (q.names or q.relation) and not self._about_subject(st, text):
            return False
        if (
            q.about_self
            and st.kind in ("field", "identity")
            and st.subject not in (None, "self")
            and q.attribute in SINGLE | {"allergy", "favourite", "preference"}
        ):
            return False  # "my mobile number" is not Karol's
        if not self._holds_attribute(st, text):
            return False
        if q.money and not _MONEY.search(st.text):
            return False
        words = content_words(st.text) | {stem(w) for w in st.subject_words}
        if st.kind == "steps":
            words |= content_words(" ".join(st.steps))
        if q.must and not q.must & words:
            answered = q.attribute and st.kind in ("field", "identity", "steps")
            on_page = q.must & self.memory_words.get(st.memory.id, set()) and st.memory.id in (
                self.titles
            )
            if not answered and not on_page:
                return False
        return True

    def _about_subject(self, st: Statement, text: str) -> bool:
        q = self.q
        whole = self.memory_text.get(st.memory.id, "")
        if st.kind in ("field", "identity"):
            if q.relation:
                if st.relation == q.relation or q.relation in st.subject_words:
                    return True
                return any((relation(w) or ("",))[0] == q.relation for w in _WORDS.findall(text))
            return any(fold(n) in st.subject_words or _word_in(fold(n), text) for n in q.names)
        if q.relation and not any(
            (relation(w) or ("",))[0] == q.relation for w in _WORDS.findall(whole)
        ):
            return False
        return all(_word_in(fold(n), whole) for n in q.names)

    def _holds_attribute(self, st: Statement, text: str) -> bool:
        wanted = self.q.attribute
        if wanted is None or wanted in ("steps", "kind", "name", "breed"):
            if wanted == "breed":
                return st.kind != "identity"
            return True
        if st.kind == "field" and st.slot not in (None, "note"):
            return st.slot == wanted or st.slot in COMPATIBLE.get(wanted, ())
        if st.kind in ("identity", "resource", "steps"):
            return False
        if st.kind == "vault":
            return True
        check = _HOLDS.get(wanted)
        return check is None or check(st.text, text)

    def __call__(self, st: Statement) -> float:
        q = self.q
        text = fold(st.text)
        words = content_words(st.text) | {fold(w) for w in st.subject_words}
        score = 0.0
        # Whom it is about.
        if q.names or q.relation:
            hit = False
            found = 0.0
            whole = self.memory_text.get(st.memory.id, "")
            title = self.titles.get(st.memory.id, "")
            for name in q.names:
                key = fold(name)
                if key in st.subject_words:
                    found += 3.0
                elif _word_in(key, title):
                    # A page about it: every line may answer, its heading no more than others.
                    found += 1.5 if _word_in(key, text) else 1.0
                elif _word_in(key, text):
                    found += 1.5
                elif _word_in(key, whole):
                    found += 0.5  # the message is about it; this sentence may answer
            if found:
                score += found / len(q.names)
                hit = True
            if q.relation:
                if st.relation == q.relation or q.relation in st.subject_words:
                    score += 3.0 if st.kind in ("identity", "field") else 2.0
                    hit = True
                    if q.owner and st.owner and fold(q.owner) != fold(st.owner):
                        score -= 2.5  # "Karol's son" is not "my son"
                elif any((relation(w) or ("",))[0] == q.relation for w in _WORDS.findall(text)):
                    score += 1.5
                    hit = True
                else:
                    score -= 2.5  # about Ana, but not about Ana's dentist
            if not hit:
                score -= 4.0  # names no one the question names
            elif st.subject == "self" and q.relation:
                score -= 1.5
        elif q.about_self:
            if st.subject == "self":
                score += 1.5
            elif st.subject and st.kind in ("field", "identity"):
                score -= 2.0
        # What it asks.
        score += self._attribute(st, text)
        if q.resource and st.kind == "resource":
            score += 2.5 + (1.0 if st.label == q.resource else 0.0)
        score += self._answer_type(st)
        # The words that must match: in the statement, less in the rest of its memory; a word
        # of the question that the statement lacks counts against it ("wedding", not "birthday").
        overlap = self.focus & words
        score += 1.2 * len(overlap)
        rest = (self.focus - overlap) & self.memory_words.get(st.memory.id, set())
        score += 0.4 * len(rest)
        score -= 0.6 * len(self.focus - overlap - rest)
        if self.focus and overlap == self.focus:
            score += 1.0
        new = content_words(st.text) - self.q_words
        if not new and st.kind not in ("steps", "identity", "field", "event", "vault"):
            score -= 3.0  # a title line: nothing the question did not already say
        if st.stale:
            score -= 6.0
        if id(st) in self.superseded:
            score -= 4.0
        if st.kind != "sentence":
            score += 0.5
        return score

    def _attribute(self, st: Statement, text: str) -> float:
        q = self.q
        wanted = q.attribute
        if wanted is None:
            if q.kind == "who" and st.kind == "identity":
                return 1.0
            return 0.0
        if wanted == "steps":
            return 4.0 if st.kind == "steps" else -1.0
        if wanted == "name":
            return 3.0 if st.kind == "identity" else 0.0
        if wanted == "kind":
            if st.kind == "identity" and st.relation:
                return 2.5
            return 1.5 if st.slot in COMPATIBLE["kind"] else 0.0
        if st.slot and (st.slot == wanted or st.slot in COMPATIBLE.get(wanted, ())):
            bonus = 4.0 if st.slot == wanted else 3.0
            if q.label and st.label and st.slot != "phone":
                bonus += 0.5 if fold(q.label) == fold(st.label) else -1.0
            return bonus
        if st.slot and st.kind == "field":
            return -1.0  # another attribute of the same subject
        cues = _CUES.get(wanted, ())
        if any(c in text for c in cues):
            return 1.5
        return 0.0

    def _answer_type(self, st: Statement) -> float:
        q = self.q
        if q.kind == "when":
            if q.expects == "time":
                return 2.0 if _has(st.text, "time", q.text) else -1.5
            if q.expects == "year":
                asked = fold(q.text)
                years = [y for y in _YEAR.findall(st.text) if y not in asked]
                return 2.5 if years or (st.when and not st.yearly) else -2.0
            if st.when is not None:
                return 2.5 if st.kind == "event" or st.yearly else 2.0
            return -2.0
        if q.kind in ("how_many", "how_much"):
            asked = fold(q.text)
            if any(fold(m.group(0)) not in asked for m in _MEASURE.finditer(st.text)):
                return 2.0  # a number with its unit: "38 EUR", "412 tests", "19 kilometres"
            return 0.5 if _has(st.text, q.expects, q.text) else -2.0
        if q.expects in ("email", "phone"):
            return 1.5 if _has(st.value or st.text, q.expects, q.text) else -1.5
        if q.kind == "who" and st.kind != "identity":
            return 0.5 if _has(st.text, "person", q.text) else 0.0
        if q.kind == "where":
            if st.slot in ("lives_in", "address", "work_location", "work_city", "work_address"):
                return 1.0
            return 1.0 if _PLACE.search(st.text) else -0.5
        return 0.0


def _slot_key(st: Statement) -> tuple[str, str, str]:
    label = fold(st.label or "")
    if st.slot == "phone" and label in ("", "mobile", "cell", "mob"):
        label = "mobile"  # "my number" is the mobile unless it says otherwise
    return (fold(st.subject or ""), st.slot or "", label)


def _superseded(pool: Sequence[Statement]) -> set[int]:
    """Older values of one-valued slots (same subject, slot and label) that a newer replaced."""
    newest: dict[tuple[str, str, str], Statement] = {}
    for st in pool:
        if st.kind != "field" or st.slot not in SINGLE or st.stale:
            continue
        key = _slot_key(st)
        if key not in newest or st.said_at > newest[key].said_at:
            newest[key] = st
    out: set[int] = set()
    for st in pool:
        if st.kind != "field" or st.slot not in SINGLE:
            continue
        key = _slot_key(st)
        best = newest.get(key)
        if (
            best is not None
            and best is not st
            and fold(best.value or "") != fold(st.value or "")
            and best.said_at > st.said_at
        ):
            out.add(id(st))
    return out


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
    return f"{kind} from {origin}" if origin else f"your {kind}"


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
        ranked = _by_meaning(q, ranked, similarity)
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


def _by_meaning(
    q: Question, ranked: list[tuple[float, int, Statement]], similarity: Similarity
) -> list[tuple[float, int, Statement]]:
    """The best candidates again, each with its closeness in meaning to the question added."""
    head, tail = ranked[:RERANK], ranked[RERANK:]
    texts = [
        st.text if st.kind != "steps" else f"{st.text} {' '.join(st.steps)}" for *_, st in head
    ]
    try:
        cosines = similarity(q.text, texts)
    except Exception:  # the embedder is an aid: without it the words decide
        log.exception("comparing answers by meaning failed")
        return ranked
    again = [
        (score + MEANING * (cos - MEANING_FLOOR), order, st)
        for (score, order, st), cos in zip(head, cosines, strict=True)
    ]
    again.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return again + tail


def warm_up() -> None:
    """Load the lexicon the question reader and the sentence check use (seconds, once)."""
    from datetime import datetime

    from app.agents.grounded import is_word
    from app.reading import Message, read

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
    lines = [f"[{number[m.id]}] {m.title} ({day_text(local_day(m.occurred_at))})" for m in related]
    text = "None of your memories says that. The closest ones:\n" + "\n".join(lines)
    return Composed(text, [], False, related=[m.id for m in related])
