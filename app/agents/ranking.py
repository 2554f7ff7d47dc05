"""How well a statement answers a question: whom it is about, the attribute asked, the kind of
answer expected, the words it shares, whether a newer value replaced it, and (when the search's
embedder is at hand) how close it is in meaning. `Scorer.admissible` rules out what cannot answer
at all, however close: another person's field, a sentence without the attribute, a price question
answered without an amount.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from app.agents.claims import claims, fold
from app.agents.question import Question
from app.agents.statements import Statement
from app.agents.text import content_words, stem
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
    "work_location": {"work_location", "work_city", "work_address", "works_at", "employer"},
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


def by_meaning(
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
