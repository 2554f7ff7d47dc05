"""One module of time words, read in sentences written for these tests (none from LoCoMo):
other years, a leap day, a year boundary, weekday arithmetic, rules that recur, and what a
search query filters on."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import InvalidInput
from app.timewords import find_dates, parse_bound, parse_date, parse_moment, parse_query, scan

TZ = timezone(timedelta(hours=1))
LEAP_DAY = datetime(2024, 2, 29, 18, 20, tzinfo=TZ)  # a Thursday
NEW_YEARS_EVE = datetime(2023, 12, 31, 23, 10, tzinfo=TZ)  # a Sunday
MID_JANUARY = datetime(2025, 1, 15, 9, 0, tzinfo=TZ)  # a Wednesday
NOVEMBER = datetime(2023, 11, 10, 9, 0, tzinfo=TZ)  # a Friday
AUTUMN_1999 = datetime(1999, 10, 4, 8, 0, tzinfo=TZ)  # a Monday


def read(text: str, now: datetime) -> list[tuple[date, str]]:
    return [(d.day, d.precision) for d in find_dates(text, now)]


@pytest.mark.parametrize(
    ("now", "text", "day", "precision"),
    [
        (LEAP_DAY, "Got the keys to the flat the day before yesterday", date(2024, 2, 27), "day"),
        (LEAP_DAY, "The dentist moved me to next Tuesday", date(2024, 3, 5), "day"),
        (LEAP_DAY, "We'll celebrate on 1 March", date(2024, 3, 1), "day"),
        (LEAP_DAY, "in three weeks' time", date(2024, 3, 18), "week"),
        (LEAP_DAY, "a year ago", date(2023, 1, 1), "year"),
        (NEW_YEARS_EVE, "see you next week", date(2024, 1, 1), "week"),
        (NEW_YEARS_EVE, "the ferry leaves on 3 January", date(2024, 1, 3), "day"),
        (NEW_YEARS_EVE, "we skated on Boxing Day", date(2023, 12, 26), "day"),
        (NEW_YEARS_EVE, "tomorrow night", date(2024, 1, 1), "day"),
        (MID_JANUARY, "last month", date(2024, 12, 1), "month"),
        (MID_JANUARY, "She turned six on the 29th of February", date(2024, 2, 29), "day"),
        (MID_JANUARY, "my visa ran out in December", date(2024, 12, 1), "month"),
        (MID_JANUARY, "two weeks before Christmas", date(2024, 12, 11), "day"),
        (datetime(2023, 5, 31, tzinfo=TZ), "two months ago", date(2023, 3, 1), "month"),
        (NOVEMBER, "we moved in back in March", date(2023, 3, 1), "month"),
        (NOVEMBER, "I'm going to Krakow in March", date(2024, 3, 1), "month"),
        (NOVEMBER, "Saturday was great", date(2023, 11, 4), "day"),
        (NOVEMBER, "I finally fixed the boiler last Fri", date(2023, 11, 3), "day"),
        (NOVEMBER, "open the portal and press Submit before Monday", date(2023, 11, 13), "day"),
        (NOVEMBER, "I handed it in before Monday", date(2023, 11, 6), "day"),
        (NOVEMBER, "I swam on Wednesday", date(2023, 11, 8), "day"),
        (NOVEMBER, "I burnt the toast this morning, a sign", date(2023, 11, 10), "day"),
        (NOVEMBER, "The half is on 10 March. Ana said I was mad.", date(2024, 3, 10), "day"),
        (NOVEMBER, "Piet retires at the end of the year", date(2023, 12, 1), "part"),
        (NOVEMBER, "we repainted the shed over the weekend", date(2023, 11, 4), "weekend"),
        (NOVEMBER, "I'll repaint the shed over the weekend", date(2023, 11, 11), "weekend"),
        (NOVEMBER, "the recital is next Saturday", date(2023, 11, 18), "day"),
        (NOVEMBER, "the recital is this Saturday", date(2023, 11, 11), "day"),
        (
            datetime(2025, 7, 6, 20, tzinfo=TZ),
            "the interview is this Thursday",
            date(2025, 7, 10),
            "day",
        ),
        (
            datetime(2023, 7, 17, tzinfo=TZ),
            "we went camping two weekends ago",
            date(2023, 7, 8),
            "weekend",
        ),
        (NOVEMBER, "let's meet on Saturday", date(2023, 11, 11), "day"),
        (NOVEMBER, "it happened this past weekend", date(2023, 11, 4), "weekend"),
        (NOVEMBER, "a fortnight ago", date(2023, 10, 23), "week"),
        (NOVEMBER, "the week after next", date(2023, 11, 20), "week"),
        (NOVEMBER, "Friday the 13th", date(2023, 10, 13), "day"),
        (NOVEMBER, "on the first Monday of June", date(2023, 6, 5), "day"),
        (NOVEMBER, "we flew home last Christmas", date(2022, 12, 25), "day"),
        (NOVEMBER, "Easter 2024", date(2024, 3, 31), "day"),
        (NOVEMBER, "on Thanksgiving", date(2023, 11, 23), "day"),
        (NOVEMBER, "the summer of 2022", date(2022, 6, 1), "season"),
        (NOVEMBER, "14.02.2024", date(2024, 2, 14), "day"),
        (NOVEMBER, "payment due by 14/02", date(2024, 2, 14), "day"),
        (AUTUMN_1999, "the millennium party is on 31 December", date(1999, 12, 31), "day"),
        (AUTUMN_1999, "we met in the spring of 1997", date(1997, 3, 1), "season"),
        (AUTUMN_1999, "Feb 14th 1998 was our first date", date(1998, 2, 14), "day"),
        (AUTUMN_1999, "2000-02-29 is a leap day", date(2000, 2, 29), "day"),
    ],
)
def test_dates_in_messages_resolve_against_the_moment_of_writing(now, text, day, precision):
    assert read(text, now) == [(day, precision)]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("the day after 14 February", "15 February 2024"),
        ("from 3 to 7 June", "3-7 June 2023"),
        ("between March and May 2023", "March-May 2023"),
        ("from 2019 to 2021 I lived in Lyon", "2019-2021"),
        ("early March", "early March 2024"),
        ("mid-2021", "mid 2021"),
        ("the end of the month", "the end of November 2023"),
        ("over the holidays", "the holidays, 24 December 2023 - 1 January 2024"),
        ("I was in Oslo from Monday to Wednesday", "6-8 November 2023"),
        ("noon tomorrow", "11 November 2023, 12:00"),
        ("at 10:30 next Monday", "13 November 2023, 10:30"),
        ("the boat leaves at 9.30pm", "10 November 2023, 21:30"),
        ("the shift is 9-5pm", "10 November 2023, 09:00-17:00"),
    ],
)
def test_ranges_parts_and_times_say_as_much_as_the_words(text, label):
    (mention,) = find_dates(text, NOVEMBER)
    assert mention.label() == label and not mention.recurring


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Choir practice is every Monday", "every Monday"),
        ("I swim on Tuesdays and Thursdays", "every Tuesday and Thursday"),
        ("the gym closes at 9pm on weekdays", "weekdays at 21:00"),
        ("Opening hours: Mon-Fri 8:00-18:00", "weekdays at 08:00-18:00"),
        ("we are open from 9am to 5pm Monday to Saturday", "Monday to Saturday at 09:00-17:00"),
        ("the market is closed on Sunday", "every Sunday"),
        ("we usually swim on Friday", "every Friday"),
        ("bins go out every other week", "every 2 weeks"),
        ("book club is on the first Thursday of every month", "the first Thursday of every month"),
        ("we renew it each year on 3 June", "every year on 3 June"),
        ("My sister lives in Gdansk; her birthday is on 14 February", "every year on 14 February"),
        ("our wedding anniversary is 12 June", "every year on 12 June"),
        ("Mum was born on 29 February 1956", "every year on 29 February"),
        ("I water the ferns daily", "every day"),
        ("every Easter we drive to Porto", "every Easter"),
        ("Japanese class is Thursday evenings at the library", "every Thursday"),
    ],
)
def test_rules_recur_and_are_never_one_date(text, rule):
    (mention,) = find_dates(text, NOVEMBER)
    assert mention.recurring and mention.label() == rule


def test_a_yearly_date_keeps_its_year_and_next_falls_on_a_real_day():
    (born,) = find_dates("Mum was born on 29 February 1956", NOVEMBER)
    assert born.day == date(1956, 2, 29) and born.recurrence.since_year == 1956
    (rule,) = find_dates("every year on 29 February we eat cake", NOVEMBER)
    assert rule.day == date(2024, 2, 29)  # the next leap day from November 2023
    (baby,) = find_dates("Aurora is here, born on June 26!", datetime(2020, 7, 5, tzinfo=TZ))
    assert baby.recurring and baby.day == date(2020, 6, 26)


def test_a_shift_without_a_date_is_relative_to_the_date_named_before():
    text = "We landed in Lima on 2 August 2022 and three days later took the bus to Cusco."
    assert read(text, NOVEMBER) == [(date(2022, 8, 2), "day"), (date(2022, 8, 5), "day")]
    text = "On 5 May we went. The following week we came back."
    assert read(text, NOVEMBER)[1] == (date(2023, 5, 8), "week")
    assert find_dates("The week after, I started a new job", NOVEMBER) == []
    assert find_dates("the week after the party", NOVEMBER) == []


@pytest.mark.parametrize(
    "text",
    [
        "I may be late, march on",
        "a 3/4 cup of flour, 24/7 support, version 3.11.7, room 1205",
        "I haven't been to Paris in 2 years",
        "Spring cleaning done; I fell in love",
        "a christmas tree for the hall",
        "third time lucky, the 3rd attempt",
        "Option 5 may be better than 4",
        "I train with the Wednesday group",
        "I have 2 kids, 10 dogs and 4500 euros",
        "",
    ],
)
def test_words_that_only_look_like_time_are_not_dates(text):
    assert find_dates(text, NOVEMBER) == []


def test_weekday_arithmetic_across_a_week_month_and_year():
    sunday = NEW_YEARS_EVE
    assert read("last Sunday", sunday) == [(date(2023, 12, 24), "day")]
    assert read("next Sunday", sunday) == [(date(2024, 1, 7), "day")]
    assert read("this Sunday", sunday) == [(date(2023, 12, 31), "day")]
    assert read("on Monday", sunday) == [(date(2023, 12, 25), "day")]
    assert read("I'll call you on Monday", sunday) == [(date(2024, 1, 1), "day")]
    assert read("the Friday before 15 July 2022", sunday) == [(date(2022, 7, 8), "day")]
    assert read("two weekends before 17 July 2023", sunday) == [(date(2023, 7, 8), "weekend")]


# -- search queries ----------------------------------------------------------------------
QUERY_NOW = datetime(2024, 5, 15, 10, 30, tzinfo=TZ)  # a Wednesday


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    "query",
    [
        "When did Ines start her job at the bakery?",
        "When is Tomasz flying to Oslo?",
        "How long has Bea been learning the cello?",
        "What month did Kofi adopt the tortoise?",
        "How many days between the move and the wedding?",
        "Which came first, the concert or the recital?",
        "What is Omar planning for next spring?",
        "What did Joss cook for Valentine's Day?",
        "Where did we go during the summer?",
        "rota every Monday",
        "what did Priya say at 9pm",
    ],
)
def test_questions_without_a_period_carry_no_time_filter(query):
    parsed = parse_query(query, QUERY_NOW)
    assert parsed.window is None and parsed.text == query


@pytest.mark.parametrize(
    ("query", "rest", "since", "until"),
    [
        ("What did I cook last summer?", "What did I cook?", at(2023, 6, 1), at(2023, 9, 1)),
        ("hikes in the summer of 2022", "hikes", at(2022, 6, 1), at(2022, 9, 1)),
        ("notes the week after 3 May 2023", "notes", at(2023, 5, 8), at(2023, 5, 15)),
        ("trips in 2020 and 2021", "trips", at(2020, 1, 1), at(2022, 1, 1)),
        ("rent between March and May 2023", "rent", at(2023, 3, 1), at(2023, 6, 1)),
        ("What did I buy in early March 2023?", "What did I buy?", at(2023, 3, 1), at(2023, 3, 11)),
        ("What did Lars do the Friday before 15 July 2023?", "What did Lars do?", at(2023, 7, 14),
         at(2023, 7, 15)),
        ("What am I doing on Saturday?", "What am I doing?", at(2024, 5, 18), at(2024, 5, 19)),
        ("What did I do on Saturday?", "What did I do?", at(2024, 5, 11), at(2024, 5, 12)),
        ("last week's standup", "standup", at(2024, 5, 6), at(2024, 5, 13)),
        ("receipts until the end of June 2024", "receipts", None, at(2024, 7, 1)),
        ("photos from 2019", "photos", at(2019, 1, 1), at(2020, 1, 1)),
        ("When did Nadia run a marathon in 2019?", "When did Nadia run a marathon?",
         at(2019, 1, 1), at(2020, 1, 1)),
    ],
)  # fmt: skip
def test_periods_in_queries_become_windows(query, rest, since, until):
    parsed = parse_query(query, QUERY_NOW)
    assert (parsed.text, parsed.window.since, parsed.window.until) == (rest, since, until)


def test_a_period_next_to_an_event_is_kept_for_the_retriever():
    parsed = parse_query("what did I do the week after the hackathon", QUERY_NOW)
    assert parsed.window is None and parsed.text == "what did I do the week after the hackathon"
    relation = parsed.relation
    assert (relation.unit, relation.count, relation.after, relation.anchor) == (
        "week",
        None,
        True,
        "the hackathon",
    )


# -- the command line and forms ------------------------------------------------------------
def test_command_line_moments_read_words_too():
    assert parse_moment("last Monday", now=QUERY_NOW) == at(2024, 5, 13)
    assert parse_moment("a week ago", now=QUERY_NOW) == QUERY_NOW - timedelta(weeks=1)
    assert parse_moment("1 March 2024", now=QUERY_NOW) == at(2024, 3, 1)
    assert parse_moment("on 1 March 2024", now=QUERY_NOW) == at(2024, 3, 1)
    assert parse_bound("last week", end=True, now=QUERY_NOW) == at(2024, 5, 13)
    assert parse_bound("May 2023", end=False, now=QUERY_NOW) == at(2023, 5, 1)
    assert parse_bound("May 2023", end=True, now=QUERY_NOW) == at(2023, 6, 1)
    for bad in ("someday", "next blue moon", "every Monday", "since May"):
        with pytest.raises(InvalidInput):
            parse_moment(bad, now=QUERY_NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 de abril de 1990", date(1990, 4, 12)),
        ("3. März 1985", date(1985, 3, 3)),
        ("29 février 2000", date(2000, 2, 29)),
        ("1990-4-12", date(1990, 4, 12)),
        ("April 12th, 1990", date(1990, 4, 12)),
        ("12/4/1990", date(1990, 4, 12)),
        ("Born: 7 Sept 1971 in Cork", date(1971, 9, 7)),
        ("29 February 2001", None),
        ("12 April", None),
        ("tomorrow", None),
    ],
)
def test_form_dates_in_several_languages(text, expected):
    assert parse_date(text) == expected


# -- robustness and speed ------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("0123456789 ./-:,'apmdnyhtsMJFSOND")), max_size=60))
def test_any_text_reads_without_error(text):
    for mention in find_dates(text, NOVEMBER):
        assert 0 <= mention.start < mention.end <= len(text) and mention.label()
    parse_query(text, QUERY_NOW)
    parse_date(text)
    scan(text, forms=True)


def test_reading_a_message_takes_well_under_a_millisecond():
    messages = [
        "Hey! How are you doing? I've been so busy with work lately, barely had time to paint.",
        "We went camping last weekend and on Sunday morning we hiked to the lake at 7am.",
        "Her birthday is on 14 February; the party is next Saturday at 8pm, see you there!",
    ] * 50
    find_dates(messages[0], NOVEMBER)
    started = clock.perf_counter()
    for message in messages:
        find_dates(message, NOVEMBER)
    per_message = (clock.perf_counter() - started) / len(messages)
    assert per_message < 0.002  # typically ~0.1 ms; generous for a loaded machine


def test_the_moment_of_a_mention_is_its_time_or_noon():
    (mention,) = find_dates("tomorrow at 3pm", NOVEMBER)
    assert mention.moment(TZ) == datetime(2023, 11, 11, 15, 0, tzinfo=TZ)
    (plain,) = find_dates("yesterday", NOVEMBER)
    assert plain.moment(TZ).time() == time(12, 0)
