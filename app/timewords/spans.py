"""What resolved time words are: a `Span` of whole days as precise as the words, or a
`Recurrence` (a rule: "every Monday", a birthday), each able to say itself in a memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.timewords import calendar as cal


@dataclass(frozen=True)
class Span:
    """Whole days `first` up to `end` (exclusive), as precise as the words (`precision`)."""

    first: date
    end: date
    precision: str  # time | day | week | weekend | month | season | year | range | part
    at: time | None = None  # a time of day, when the words gave one
    until: time | None = None  # the end of a time range ("9am-5pm")
    name: str = ""  # how the words named it: "summer", "early", "Christmas"
    exact: datetime | None = None  # a rolling start ("the past two weeks": now minus 14 days)

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    def label(self) -> str:
        """How a memory says it: no more precise than the text was."""
        d = self.first
        if self.precision == "time" and self.at is not None:
            return f"{_day(d)}, {self.at:%H:%M}" + (f"-{self.until:%H:%M}" if self.until else "")
        if self.precision == "day":
            return _day(d)
        if self.precision == "week":
            return f"the week of {_day(d)}"
        if self.precision == "weekend":
            return f"the weekend of {_day(d)}"
        if self.precision == "month":
            return f"{d:%B %Y}"
        if self.precision == "season":
            return f"{self.name or _season(d)} {d.year}"
        if self.precision == "year":
            return str(d.year)
        if self.precision == "part" and self.name:
            return self.name  # "early March 2024", "the end of 2016"
        return _range(self.first, self.last, self.name)


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _season(d: date) -> str:
    return {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}.get(d.month, d.strftime("%B"))


def _range(first: date, last: date, name: str) -> str:
    whole_months = first.day == 1 and (last + timedelta(days=1)).day == 1
    if whole_months and (first.month, last.month) == (1, 12):
        text = str(first.year) if first.year == last.year else f"{first.year}-{last.year}"
    elif whole_months and first.year == last.year:
        text = f"{first:%B}-{last:%B %Y}" if first.month != last.month else f"{first:%B %Y}"
    elif whole_months:
        text = f"{first:%B %Y} - {last:%B %Y}"
    elif first == last:
        text = _day(first)
    elif (first.year, first.month) == (last.year, last.month):
        text = f"{first.day}-{last.day} {first:%B %Y}"
    elif first.year == last.year:
        text = f"{first.day} {first:%B} - {last.day} {last:%B %Y}"
    else:
        text = f"{_day(first)} - {_day(last)}"
    return f"{name}, {text}" if name else text


@dataclass(frozen=True)
class Recurrence:
    """A rule, not one date: "every Monday", "weekdays at 21:00", "every year on 14 February"."""

    freq: str  # daily | weekly | monthly | yearly
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    month: int | None = None
    day: int | None = None
    nth: int | None = None  # "the first Monday of the month": 1; "the last": -1
    season: str | None = None
    at: time | None = None
    until: time | None = None
    since_year: int | None = None  # "born on 12 March 1990": 1990
    cue: str = ""  # the word that made it yearly ("birthday")

    def describe(self) -> str:
        names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        every = "every" if self.interval == 1 else f"every {self.interval}"
        if self.freq == "weekly" and self.weekdays == (0, 1, 2, 3, 4):
            text = "weekdays"
        elif self.freq == "weekly" and self.weekdays == (5, 6):
            text = "weekends"
        elif self.freq == "weekly" and len(self.weekdays) > 2 and _consecutive(self.weekdays):
            text = f"{names[self.weekdays[0]]} to {names[self.weekdays[-1]]}"
        elif self.freq == "weekly" and self.weekdays:
            days = " and ".join(names[w] for w in self.weekdays)
            text = f"{every} {days}" if self.interval == 1 else f"{every} weeks on {days}"
        elif self.freq == "monthly" and self.nth is not None:
            order = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[self.nth]
            text = f"the {order} {names[self.weekdays[0]]} of every month"
        elif self.freq == "monthly" and self.day:
            text = f"every month on day {self.day}"
        elif self.freq == "yearly" and self.month and self.day:
            text = f"every year on {self.day} {date(2000, self.month, 1):%B}"
        elif self.freq == "yearly" and self.month:
            text = f"every year in {date(2000, self.month, 1):%B}"
        elif self.freq == "yearly" and self.season:
            text = f"every {self.season}"
        elif self.freq == "yearly" and self.cue and self.interval == 1:
            name = self.cue.title().replace("'S", "'s")
            text = f"every {name}"  # "every Easter"
        else:
            unit = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}
            text = f"{every} {unit[self.freq]}{'' if self.interval == 1 else 's'}"
        if self.at is not None:
            text += f" at {self.at:%H:%M}" + (f"-{self.until:%H:%M}" if self.until else "")
        return text

    def next_on_or_after(self, today: date) -> date:
        """The first day the rule falls on, from `today`."""
        for offset in range(0, 366 * 8 + 1):
            day = today + timedelta(days=offset)
            if self._falls_on(day):
                return day
        return today

    def _falls_on(self, day: date) -> bool:
        if self.weekdays and self.nth is None and day.weekday() not in self.weekdays:
            return False
        if self.nth is not None:
            return day == cal.nth_weekday(day.year, day.month, self.weekdays[0], self.nth)
        if self.freq == "yearly" and self.season:
            return day == cal.season_period(self.season, day.year)[0]
        if self.month is not None and day.month != self.month:
            return False
        if self.day is not None and day.day != self.day:
            return False
        if self.freq == "yearly" and self.month is not None and self.day is None:
            return day.day == 1
        if self.freq == "monthly" and self.day is None:
            return day.day == 1
        return True


def _consecutive(days: tuple[int, ...]) -> bool:
    return list(days) == list(range(days[0], days[0] + len(days)))
