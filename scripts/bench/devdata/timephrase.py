"""How people say when something happened, relative to the day they say it.

Every phrase comes with the answer it supports, so a question about the event is scored against
what the conversation actually said ("last week" only pins down the week, "in March" the month).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
COUNT_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day_text(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def month_text(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


@dataclass(frozen=True)
class Phrase:
    style: str  # a family of phrasings an author may ask for, e.g. "weekday", "month", "ago"
    text: str
    granularity: str  # day, week, month, year: what the phrase pins down
    answer: str  # what a question about the event should be answered with


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _last_weekend(said: date) -> tuple[date, date]:
    """The latest Saturday and Sunday that are both before the day it is said."""
    sunday = said - timedelta(days=(said.weekday() + 1) % 7 or 7)
    return sunday - timedelta(days=1), sunday


def past(event: date, said: date) -> list[Phrase]:
    delta = (said - event).days
    anchor = day_text(said)
    weekday = WEEKDAYS[event.weekday()]
    month = MONTHS[event.month - 1]
    exact = day_text(event)
    out: list[Phrase] = []
    if delta == 0:
        out += [Phrase("rel", t, "day", exact) for t in ("earlier today", "this morning")]
    if delta == 1:
        out.append(Phrase("rel", "yesterday", "day", exact))
    if delta == 2:
        out.append(Phrase("rel", "the day before yesterday", "day", exact))
    if 2 <= delta <= 6:
        out += [
            Phrase("weekday", f"on {weekday}", "day", exact),
            Phrase("weekday", f"last {weekday}", "day", exact),
            Phrase("weekday", f"this past {weekday}", "day", exact),
        ]
    if event in _last_weekend(said) and delta <= 8:
        answer = f"the weekend before {anchor}"
        out.append(Phrase("weekend", "last weekend", "week", answer))
        if said.weekday() <= 2:
            out.append(Phrase("weekend", "over the weekend", "week", answer))
        out.append(Phrase("weekday", f"last {weekday}", "day", exact))
    last_week = said - timedelta(days=7)
    if event.isocalendar()[:2] == last_week.isocalendar()[:2] and delta >= 5:
        out.append(Phrase("week", "last week", "week", f"the week before {anchor}"))
        if 7 <= delta <= 9:
            out.append(Phrase("week", "a week ago", "week", f"the week before {anchor}"))
    two_weeks = said - timedelta(days=14)
    if event.isocalendar()[:2] == two_weeks.isocalendar()[:2]:
        answer = f"two weeks before {anchor}"
        out += [
            Phrase("week", "the week before last", "week", answer),
            Phrase("ago", "two weeks ago", "week", answer),
            Phrase("ago", "a couple of weeks back", "week", answer),
        ]
    if 18 <= delta <= 30:
        n = round(delta / 7)
        answer = f"{n} weeks before {anchor}"
        out.append(Phrase("ago", f"{COUNT_WORDS[n]} weeks ago", "week", answer))
    months = _months_between(event, said)
    if months == 1 and delta >= 10:
        out.append(Phrase("month", "last month", "month", month_text(event)))
    if 1 <= months <= 11 and delta >= 20:
        out += [
            Phrase("monthname", f"in {month}", "month", month_text(event)),
            Phrase("monthname", f"back in {month}", "month", month_text(event)),
        ]
    if 2 <= months <= 11 and delta >= 45:
        count, answer = COUNT_WORDS[months], month_text(event)
        out.append(Phrase("ago", f"{count} months ago", "month", answer))
        out.append(Phrase("ago", f"about {count} months ago", "month", answer))
    years = said.year - event.year
    if years == 1 and months >= 4:
        out.append(Phrase("year", "last year", "year", str(event.year)))
    if years >= 1 and months >= 4:
        out.append(Phrase("year", f"in {event.year}", "year", str(event.year)))
    if years >= 2:
        out.append(Phrase("year", f"{COUNT_WORDS[years]} years ago", "year", str(event.year)))
    if 2 <= delta <= 60:
        out += [
            Phrase("explicit", f"on {event.day} {month}", "day", exact),
            Phrase("explicit", f"on {month} {event.day}", "day", exact),
        ]
    if 2 <= delta <= 20 and event.month == said.month:
        out.append(Phrase("ordinal", f"on the {ordinal(event.day)}", "day", exact))
        if delta >= 7:
            out.append(Phrase("ordinal", f"on {weekday} the {ordinal(event.day)}", "day", exact))
    if delta > 60:
        out.append(Phrase("explicit", f"on {event.day} {month} {event.year}", "day", exact))
    return out


def future(event: date, said: date) -> list[Phrase]:
    delta = (event - said).days
    anchor = day_text(said)
    weekday = WEEKDAYS[event.weekday()]
    month = MONTHS[event.month - 1]
    exact = day_text(event)
    out: list[Phrase] = []
    if delta == 1:
        out.append(Phrase("rel", "tomorrow", "day", exact))
    if 2 <= delta <= 6:
        out += [
            Phrase("weekday", f"on {weekday}", "day", exact),
            Phrase("weekday", f"this {weekday}", "day", exact),
            Phrase("weekday", f"this coming {weekday}", "day", exact),
        ]
    next_week = said + timedelta(days=7)
    if event.isocalendar()[:2] == next_week.isocalendar()[:2]:
        out.append(Phrase("week", "next week", "week", f"the week after {anchor}"))
        out.append(Phrase("weekday", f"next {weekday}", "day", exact))
        if event.weekday() >= 5:
            out.append(Phrase("weekend", "next weekend", "week", f"the weekend after {anchor}"))
    if 12 <= delta <= 16:
        out.append(Phrase("ago", "in two weeks", "week", f"two weeks after {anchor}"))
    months = _months_between(said, event)
    if months == 1 and delta >= 10:
        out.append(Phrase("month", "next month", "month", month_text(event)))
    if 1 <= months <= 11 and delta >= 14:
        out.append(Phrase("monthname", f"in {month}", "month", month_text(event)))
    if event.year == said.year + 1 and months >= 3:
        out.append(Phrase("year", "next year", "year", str(event.year)))
    if 2 <= delta <= 120:
        out += [
            Phrase("explicit", f"on {event.day} {month}", "day", exact),
            Phrase("explicit", f"on {month} {event.day}", "day", exact),
        ]
    if 3 <= delta <= 25 and (event.month == said.month or delta <= 12):
        out.append(Phrase("ordinal", f"on the {ordinal(event.day)}", "day", exact))
    return out


def choose(event: date, said: date, style: str | None, rng: random.Random) -> Phrase:
    """A phrase for `event` said on `said`, of the style asked for (any style if None)."""
    options = past(event, said) if event <= said else future(event, said)
    if style:
        options = [p for p in options if p.style == style or p.text == style]
    if not options:
        raise ValueError(f"no {style or ''} phrase for {event} said on {said}")
    return rng.choice(options)


def gap(first: date, second: date) -> str:
    """The time between two days as a person would say it."""
    days = abs((second - first).days)
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 60:
        weeks = round(days / 7)
        return f"{weeks} weeks"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months"
    return f"{round(days / 365.25)} years"
