"""Events: things that happened, or are planned, on a date the text resolves.

A date alone does not make an event. Birthdays and anniversaries are yearly facts about
someone; "every Sunday", "on weekdays", opening hours and habits recur. What is left is an
event when its verb is past ("we took the dog to the beach last Sunday"), or a plan when it
looks ahead ("are you coming on Wednesday?", "her wedding is on 20 June"). A weekday is
resolved by that tense: "on Friday" is the last Friday in a past clause and the next one in a
plan, which a date resolved without its clause cannot know.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from app.reading import lexicon as lx
from app.reading.context import Read
from app.reading.model import Event
from app.reading.parse import Parse
from app.reading.segment import Clause
from app.timewords import DateMention
from app.timewords.vocab import ENGLISH

MONTHS = ENGLISH.months
WEEKDAYS = ENGLISH.weekdays

_WEEKDAY = re.compile(r"(?i)\b(" + "|".join(WEEKDAYS) + r")\b")
_RELATIVE = re.compile(r"(?i)\b(last|next|this|past)\b")
_MONTH = re.compile(r"(?i)\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b")
_ORDINAL_DAY = re.compile(
    r"(?i)\b(?:on\s+)?the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:"
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\b)"
)
_YEARLY = frozenset({"birthday", "bday", "b-day", "anniversary", "nameday", "name-day"})
_HOURS = frozenset({"opens", "closes", "opening", "closing"})
_HYPOTHETICAL = frozenset({"could", "would", "should", "might", "may", "'d", "wanna", "must"})
_DEADLINE = frozenset({"due", "deadline", "by", "before", "until", "till", "til"})


_AGE = re.compile(
    r"(?i)\bturn(?:s|ing|ed)?\s+(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b"
)


def age_turn(text: str) -> bool:
    """ "Nora turns seven on 3 August": a birthday, a yearly date, not an event."""
    return _AGE.search(text) is not None


def ordinal_days(text: str, now: datetime) -> list[DateMention]:
    """ "on the 14th": a day of this month (the next such day; resolved again by tense), and
    "last night" (the day before)."""
    found = []
    today = now.date()
    for m in re.finditer(r"(?i)\blast\s+night\b", text):
        found.append(DateMention(m.group(0), m.start(), m.end(), today - timedelta(days=1), "day"))
    for m in _ORDINAL_DAY.finditer(text):
        day = int(m.group("day"))
        try:
            when = today.replace(day=day)
        except ValueError:
            continue
        found.append(DateMention(m.group(0).strip(), m.start(), m.end(), when, "day"))
    return found


def _shift_month(d: date, months: int) -> date | None:
    index = d.year * 12 + d.month - 1 + months
    try:
        return d.replace(year=index // 12, month=index % 12 + 1)
    except ValueError:
        return None


def by_tense(mention: DateMention, now: datetime, ahead: bool) -> date:
    """The day a mention means in a clause that looks back (ahead=False) or forward."""
    text = mention.text.lower()
    today = now.date()
    day = mention.day
    if mention.precision not in ("day", "time"):
        return day
    weekday = _WEEKDAY.search(text)
    if weekday and not _RELATIVE.search(text):
        target = WEEKDAYS[weekday.group(1).lower()]
        if ahead:
            delta = (target - today.weekday()) % 7 or 7
            return today + timedelta(days=delta)
        delta = (today.weekday() - target) % 7 or 7
        return today - timedelta(days=delta)
    if _ORDINAL_DAY.fullmatch(mention.text) or re.fullmatch(r"(?i)(?:on\s+)?the\s+\d+\w*", text):
        if ahead and day < today:
            return _shift_month(day, 1) or day
        if not ahead and day > today:
            return _shift_month(day, -1) or day
        return day
    if _MONTH.search(text) and not re.search(r"\b\d{4}\b", text):
        same_year = day.replace(year=today.year) if day.year != today.year else day
        if ahead:
            return same_year if same_year >= today else same_year.replace(year=today.year + 1)
        return same_year if same_year <= today else same_year.replace(year=today.year - 1)
    return day


def _looks_ahead(
    p: Parse, clause: Clause, mention: DateMention, now: datetime, question: bool
) -> bool | None:
    """True for a plan, False for something past, None when the clause is not an event."""
    if set(p.aux) & _HYPOTHETICAL:
        return None  # "we could go on Sunday"
    if question and p.tense != "past":
        return True  # "still up for the quiz on Friday?"
    if p.imperative:
        return None  # "guess what I did this week"
    if p.tense == "future":
        return True
    if p.tense in ("past", "perfect"):
        return False
    if p.verb is not None and "VBG" in lx.verb_form(p.verb.text):
        return True  # "I'm flying to Oslo on the 14th"
    if p.tense == "present" and p.verb is not None:
        return mention.day >= now.date() if mention.day != now.date() else True
    if p.verb is None and p.subject is None and p.tokens:
        first = p.tokens[0]
        if first.is_word and "VBG" in lx.verb_form(first.text):
            return True  # diary style: "flying to Göteborg on the 14th"
        if first.is_word and lx.is_past(first.text):
            return False  # "went skitouring in Lyngen yesterday"
    return None


def recurring(clause: Clause, text: str) -> bool:
    words = {t.low for t in clause.tokens}
    if words & lx.RECURRING_WORDS or words & _YEARLY or words & _HOURS or age_turn(text):
        return True
    return bool(
        re.search(
            r"(?i)\b(?:last|first|second|third|fourth)\s+\w+day\s+of\s+(?:the|each|"
            r"every)\s+month\b",
            text,
        )
    )


def event_from(
    r: Read, clause: Clause, p: Parse, following: list[Clause], actor: str
) -> Event | None:
    """The event a clause states, if it has a date and is not a recurring or yearly fact."""
    mentions = [d for d in r.dates_in(clause.start, clause.end + 1)]
    if not mentions:
        return None
    text = clause.text(r.text)
    if recurring(clause, text):
        return None
    words = {t.low for t in clause.tokens}
    mention = mentions[0]
    question = r.sentence_of(clause).tokens[-1].text == "?"
    ahead = _looks_ahead(p, clause, mention, r.message.timestamp, question)
    if ahead is None:
        return None
    if ahead and words & _DEADLINE and p.verb is not None and p.lemma in ("be", "want", "need"):
        ahead = True  # "the report is due Friday": a deadline is a plan at that date
    day = by_tense(mention, r.message.timestamp, ahead)
    end = clause.end
    for nxt in following:
        if r.dates_in(nxt.start, nxt.end) or nxt.colon_body:
            break
        end = nxt.end
    summary = r.text[clause.start : end].strip(" ,;")
    at = mention.at.strftime("%H:%M") if mention.at else None
    return Event(
        summary,
        day,
        mention.precision,
        r.span(clause.start, end),
        actor,
        planned=ahead and day >= r.message.timestamp.date(),
        at=at,
        date_text=mention.text,
    )
