"""The words of time, in one place: months, weekdays, numbers, seasons, holidays and the cues
that say a date recurs or lies ahead.

Each language is a `Vocabulary`; the grammar is built from the ones it is given. Messages and
search queries read English; form values (a birthday typed into a web form) also read the month
names of the other languages here. Adding a language is adding a `Vocabulary`, not a pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vocabulary:
    months: dict[str, int]  # every spelling, lower case, without accents
    full_months: frozenset[str] = frozenset()  # names safe to read with no number beside them
    weekdays: dict[str, int] = field(default_factory=dict)  # Monday = 0
    connectors: tuple[str, ...] = ()  # "12 de abril de 1990"


def _table(rows: list[str]) -> dict[str, int]:
    return {name: number for number, row in enumerate(rows, 1) for name in row.split()}


ENGLISH = Vocabulary(
    months=_table(
        [
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ]
    ),
    full_months=frozenset(
        "january february march april may june july august september october november "
        "december sept".split()
    ),
    weekdays={
        name: number
        for number, name in enumerate(
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        )
    },
    connectors=("of",),
)

# Month names of other languages: read in form values only (a "mars" in an English message is
# a planet, a "mai" a word).
OTHERS = Vocabulary(
    months=_table(
        [
            "janeiro enero janvier januar gennaio januari",
            "fevereiro febrero fevrier februar febbraio februari",
            "marco marzo mars marz maart",
            "abril avril aprile",
            "maio mayo mai maggio mei",
            "junho junio juin juni giugno",
            "julho julio juillet juli luglio",
            "agosto aout augustus",
            "setembro septiembre septembre settembre",
            "outubro octubre octobre oktober ottobre",
            "novembro noviembre novembre",
            "dezembro diciembre decembre dezember dicembre",
        ]
    ),
    connectors=("de", "del"),
)

ABBREVIATED_WEEKDAYS = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}

NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "a single": 1,
    "two": 2,
    "a couple of": 2,
    "couple of": 2,
    "a couple": 2,
    "three": 3,
    "a few": 3,
    "few": 3,
    "several": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

_UNITS_ORDINAL = "first second third fourth fifth sixth seventh eighth ninth".split()
_TEENS_ORDINAL = (
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
    "eighteenth nineteenth twentieth"
).split()
ORDINALS = {
    **{word: n for n, word in enumerate(_UNITS_ORDINAL, 1)},
    **{word: n for n, word in enumerate(_TEENS_ORDINAL, 10)},
    **{f"twenty-{word}": 20 + n for n, word in enumerate(_UNITS_ORDINAL, 1)},
    **{f"twenty {word}": 20 + n for n, word in enumerate(_UNITS_ORDINAL, 1)},
    "thirtieth": 30,
    "thirty-first": 31,
    "thirty first": 31,
}

# A unit of calendar time and its aliases ("fortnight" is two weeks, "decade" ten years).
UNITS = {
    "minute": ("minute", 1),
    "min": ("minute", 1),
    "hour": ("hour", 1),
    "hr": ("hour", 1),
    "day": ("day", 1),
    "night": ("day", 1),
    "week": ("week", 1),
    "weekend": ("weekend", 1),
    "fortnight": ("week", 2),
    "month": ("month", 1),
    "year": ("year", 1),
    "decade": ("year", 10),
}

# Seasons: the month each starts in and how many months it lasts, by hemisphere.
SEASONS = {
    "north": {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12},
    "south": {"spring": 9, "summer": 12, "fall": 3, "autumn": 3, "winter": 6},
}

# Holidays with a fixed date: (month, day). Movable feasts are computed in `calendar`.
FIXED_HOLIDAYS = {
    "new year's day": (1, 1),
    "new years day": (1, 1),
    "new year": (1, 1),
    "valentine's day": (2, 14),
    "valentines day": (2, 14),
    "valentine's": (2, 14),
    "st patrick's day": (3, 17),
    "st. patrick's day": (3, 17),
    "saint patrick's day": (3, 17),
    "the fourth of july": (7, 4),
    "the 4th of july": (7, 4),
    "halloween": (10, 31),
    "christmas eve": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "xmas": (12, 25),
    "boxing day": (12, 26),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
}
MOVABLE_HOLIDAYS = ("easter sunday", "easter monday", "good friday", "easter", "thanksgiving")
# Holiday periods: (month, day) of the first day and how many days they last.
HOLIDAY_PERIODS = {
    "the holidays": ((12, 24), 9),
    "the christmas holidays": ((12, 24), 9),
    "the holiday season": ((12, 24), 9),
    "christmas break": ((12, 24), 9),
    "the christmas break": ((12, 24), 9),
}

PARTS_OF_DAY = ("morning", "afternoon", "evening", "night", "lunchtime", "noon")

# Words that make a date a yearly one: "her birthday is on 14 February".
YEARLY_CUES = (
    r"birthday|bday|b-day|birth\s+date|date\s+of\s+birth|born|anniversary|name\s*day|"
    r"every\s+year|each\s+year|annually|yearly|once\s+a\s+year"
)
# Words that make a span of weekdays a rule, not one week: "open Monday to Friday".
HABIT_CUES = r"open|opens|opening|closes|closed|hours|usually|always|normally|generally|every|each"
# The same for one weekday, where "open" must be next to it: "closed on Sunday", "usually Fridays",
# not "open Deltek and submit before Friday".
WEEKDAY_HABIT_CUES = (
    r"usually|always|normally|generally|every|each|(?:open|opens|closes|closed)\s+on"
)
# Words that place what a clause tells in the future, or in the past.
FUTURE_CUES = (
    r"will|won't|wont|shall|'ll|going\s+to|gonna|plan|plans|planned|planning|intend|intends|"
    r"hope\s+to|hoping\s+to|want\s+to|wanna|about\s+to|upcoming|coming\s+up|looking\s+forward|"
    r"can't\s+wait|cannot\s+wait|see\s+you|let's|lets|scheduled|booked\s+for|due|tomorrow|next"
)
PAST_CUES = (
    r"was|were|went|did|had|came|got|saw|met|took|made|left|spent|told|said|bought|found|"
    r"felt|gave|ran|won|lost|heard|started|finished|visited|moved|tried|joined|attended|"
    r"celebrated|arrived|travelled|traveled|returned|ago|yesterday|last|used\s+to|'d"
)
# "-ing" words after "is/are" that are adjectives, not a plan ("is amazing on Sundays").
ING_ADJECTIVES = frozenset(
    "amazing interesting exciting boring annoying relaxing exhausting nothing something "
    "anything everything thing king spring evening morning charming stunning tiring "
    "willing missing during".split()
)
