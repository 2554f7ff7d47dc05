"""Time words in queries: resolved against `now`, removed from the words searched, applied to
each memory's occurred_at; a period with nothing in it falls back to the plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.timewords import parse_query

TZ = timezone(timedelta(hours=1))
NOW = datetime(2024, 5, 15, 10, 30, tzinfo=TZ)  # a Wednesday


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    ("query", "rest", "since", "until"),
    [
        ("lunch with Ana yesterday", "lunch with Ana", at(2024, 5, 14), at(2024, 5, 15)),
        ("what did I do today", "what did I do", at(2024, 5, 15), at(2024, 5, 16)),
        ("call the day before yesterday", "call", at(2024, 5, 13), at(2024, 5, 14)),
        ("meetings last week", "meetings", at(2024, 5, 6), at(2024, 5, 13)),
        ("notes this week", "notes", at(2024, 5, 13), at(2024, 5, 20)),
        ("bills last month", "bills", at(2024, 4, 1), at(2024, 5, 1)),
        ("trips last year", "trips", at(2023, 1, 1), at(2024, 1, 1)),
        ("hike last weekend", "hike", at(2024, 5, 11), at(2024, 5, 13)),
        ("dinner in May 2023", "dinner", at(2023, 5, 1), at(2023, 6, 1)),
        ("setback in October 2023?", "setback?", at(2023, 10, 1), at(2023, 11, 1)),
        ("show on October 13, 2023", "show", at(2023, 10, 13), at(2023, 10, 14)),
        ("party on 8 May 2023", "party", at(2023, 5, 8), at(2023, 5, 9)),
        ("meeting 2023-05-08 notes", "meeting notes", at(2023, 5, 8), at(2023, 5, 9)),
        ("the beach in 2023", "the beach", at(2023, 1, 1), at(2024, 1, 1)),
        ("moved 4 years ago", "moved", at(2020, 1, 1), at(2021, 1, 1)),
        ("three weeks ago standup", "standup", at(2024, 4, 22), at(2024, 4, 29)),
        ("email on Monday", "email", at(2024, 5, 13), at(2024, 5, 14)),
        ("email last Wednesday", "email", at(2024, 5, 8), at(2024, 5, 9)),
        ("since March", "", at(2024, 3, 1), None),
        ("photos before 2020", "photos", None, at(2020, 1, 1)),
        ("photos after 8 May 2023", "photos", at(2023, 5, 9), None),
    ],
)
def test_time_expressions_resolve_to_a_window(query, rest, since, until) -> None:
    parsed = parse_query(query, NOW)
    assert parsed.text == rest
    assert parsed.window is not None
    assert parsed.window.since == since
    assert parsed.window.until == until


def test_rolling_windows_end_now() -> None:
    parsed = parse_query("emails in the past two weeks", NOW)
    assert parsed.text == "emails"
    assert parsed.window.since == NOW - timedelta(weeks=2) and parsed.window.until is None


@pytest.mark.parametrize(
    ("query", "month", "day"), [("camping in June", 6, None), ("dinner on 8 May", 5, 8)]
)
def test_a_month_or_day_without_a_year_means_any_year(query, month, day) -> None:
    window = parse_query(query, NOW).window
    assert (window.month, window.day, window.since, window.until) == (month, day, None, None)


@pytest.mark.parametrize(
    "query",
    ["I may go", "June is my sister", "How long ago was her 18th birthday?", "room 2023", ""],
)
def test_words_that_only_look_like_time_stay_words(query) -> None:
    parsed = parse_query(query, NOW)
    assert parsed.window is None and parsed.text == query


def _episode(memloci, text: str, when: datetime):
    return memloci.add(text, type="episodic", fields={"occurred_at": when.isoformat()})


def test_search_filters_by_time_words_against_occurred_at(memloci) -> None:
    now = datetime.now(UTC)
    may = _episode(memloci, "Picnic by the river with Ana", datetime(2023, 5, 20, 12, tzinfo=UTC))
    june = _episode(memloci, "Picnic in the park with Rui", datetime(2023, 6, 10, 12, tzinfo=UTC))
    recent = _episode(memloci, "Picnic on the beach", now - timedelta(days=1))
    assert [h.id for h in memloci.search("picnic in May 2023")] == [may.id]
    assert [h.id for h in memloci.search("picnic in June")] == [june.id]
    assert {h.id for h in memloci.search("picnic in 2023")} == {may.id, june.id}
    assert [h.id for h in memloci.search("picnic", since=now - timedelta(days=3))] == [recent.id]
    # An explicit range and a time expression narrow each other.
    later = memloci.search("picnic in June", since=datetime(2023, 6, 15, tzinfo=UTC))
    assert june.id not in {h.id for h in later}


def test_a_query_of_only_time_words_lists_that_period_newest_first(memloci) -> None:
    now = datetime.now(UTC)
    older = _episode(memloci, "Dentist at nine", now.replace(hour=1) - timedelta(days=1))
    newer = _episode(memloci, "Coffee with Rui", now.replace(hour=2) - timedelta(days=1))
    _episode(memloci, "Something a week ago", now - timedelta(days=7))
    hits = memloci.search("yesterday")
    assert [h.id for h in hits] == [newer.id, older.id]
    assert [h.id for h in memloci.search("what did I do yesterday?")] == [newer.id, older.id]


def test_a_period_with_no_match_falls_back_to_the_words(memloci) -> None:
    old = _episode(memloci, "Camping trip in the mountains", datetime(2021, 7, 3, tzinfo=UTC))
    # Nothing happened "last week": rather than nothing, the words are searched without it.
    assert [h.id for h in memloci.search("camping trip last week")] == [old.id]


def test_only_time_words_with_nothing_in_that_period_answer_nothing(memloci) -> None:
    _episode(memloci, "I saw Ana yesterday at the market", datetime(2022, 3, 1, tzinfo=UTC))
    assert memloci.search("yesterday") == []
