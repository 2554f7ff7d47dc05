"""Deterministic extractors and secret scrubbing: what a weak model cannot spoil."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.agents.extractors import extract
from app.agents.managers.vault import explicit_request
from app.security.redact import iban_ok, luhn_ok
from app.security.redact import redact as scrub
from app.timewords import find_dates

MONDAY = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def kinds(text: str, speaker: str = "Caroline") -> list[tuple[str, str, str | None]]:
    return [(e.kind, e.value, e.owner) for e in extract(text, MONDAY, speaker)]


@pytest.mark.parametrize(
    ("text", "day", "precision"),
    [
        ("I went to a support group yesterday", date(2023, 5, 7), "day"),
        ("the day before yesterday", date(2023, 5, 6), "day"),
        ("we met last week", date(2023, 5, 1), "week"),
        ("see you next Friday", date(2023, 5, 12), "day"),
        ("it was on Saturday", date(2023, 5, 6), "day"),
        ("three days ago", date(2023, 5, 5), "day"),
        ("a couple of weeks ago", date(2023, 4, 24), "week"),
        ("last month", date(2023, 4, 1), "month"),
        ("in June 2021", date(2021, 6, 1), "month"),
        ("on 25 May, 2022", date(2022, 5, 25), "day"),
        ("May 25th was fun", date(2022, 5, 25), "day"),  # past tense, said on 8 May 2023
        ("on 28 December", date(2022, 12, 28), "day"),  # said in May: the past December
        ("since 2016-03-01", date(2016, 3, 1), "day"),
        ("back in 2019", date(2019, 1, 1), "year"),
        ("last summer", date(2022, 6, 1), "season"),
    ],
)
def test_dates_resolve_against_the_moment_of_writing(text: str, day: date, precision: str) -> None:
    found = find_dates(text, MONDAY)
    assert [(d.day, d.precision) for d in found] == [(day, precision)]


def test_times_sharpen_days() -> None:
    (mention,) = find_dates("the meeting is tomorrow at 3pm", MONDAY)
    assert (mention.day, mention.at, mention.label()) == (
        date(2023, 5, 9),
        time(15, 0),
        "9 May 2023, 15:00",
    )
    (alone,) = find_dates("call at 15:30", MONDAY)
    assert alone.day == date(2023, 5, 8) and alone.at == time(15, 30)
    assert find_dates("I have 2 kids and 10 dogs and 4500 euros", MONDAY) == []


def test_contacts_urls_and_their_owners() -> None:
    assert kinds("My email is Ana.Silva@Example.COM and my work phone is +351 912 345 678.") == [
        ("email", "Ana.Silva@example.com", "Caroline"),
        ("phone", "+351 912 345 678", "Caroline"),
    ]
    assert kinds("Ana's email is ana@x.pt") == [("email", "ana@x.pt", "Ana")]
    assert kinds("Call Tom at (555) 123-4567") == [("phone", "(555) 123-4567", "Tom")]
    assert kinds("see https://example.com/a?b=1, and www.foo.org.") == [
        ("url", "https://example.com/a?b=1", None),
        ("url", "https://www.foo.org", None),
    ]
    work = extract("my work email is c@corp.com", MONDAY, "Caroline")[0]
    assert work.label == "work"


def test_postal_addresses_only_when_clearly_labelled() -> None:
    assert kinds("Address: 12 Main St. Apt 4, Springfield 62704. See you!") == [
        ("address", "12 Main St. Apt 4, Springfield 62704", None)
    ]
    assert kinds("I live at 221B Baker Street, London NW1 6XE and I love it") == [
        ("address", "221B Baker Street, London NW1 6XE", "Caroline")
    ]
    assert kinds("my address is somewhere nice") == []
    assert all(k != "address" for k, _, _ in kinds("I walked down Main Street today"))


def test_numbers_that_are_not_phones() -> None:
    assert not [
        k for k in kinds("Born 2016, 2018 and 2020; it cost 1234567 dollars") if k[0] == "phone"
    ]
    assert not [k for k in kinds("on 2023-05-08 at 14:00") if k[0] == "phone"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my password is hunter2", "password"),
        ("card 4111 1111 1111 1111 expires", "card"),
        ("key sk-abcdefghijklmnopqrstuvwx", "openai-key"),
        ("AKIAIOSFODNN7EXAMPLE", "aws-key"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github-token"),
        ("api_key=abc123def456", "key"),
        ("IBAN DE89 3704 0044 0532 0130 00 thanks", "iban"),
        ("ssn 123-45-6789", "ssn"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijk", "jwt"),
    ],
)
def test_secrets_are_scrubbed(text: str, kind: str) -> None:
    result = scrub(text)
    assert kind in result.kinds and f"[REDACTED:{kind}]" in result.text


def test_ordinary_text_keeps_its_numbers() -> None:
    for text in (
        "call me at 555-123-4567 on 2023-05-08",
        "the secret is patience",
        "order 1234567890123 shipped",
        "token is valid",
        "I ran 42 km in 3:45",
    ):
        assert scrub(text).text == text
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")


def test_explicit_requests_to_remember() -> None:
    vault = explicit_request("remember my passport number is X1234567")
    assert vault is not None and (vault.target, vault.label, vault.value) == (
        "vault",
        "passport number",
        "X1234567",
    )
    assert vault.sensitivity == "high" and "X1234567" not in vault.masked
    wifi = explicit_request("Please save my wifi password: hunter2!")
    assert wifi is not None and wifi.label == "wifi password" and wifi.value == "hunter2"
    fact = explicit_request("remember that I prefer tea over coffee")
    assert fact is not None and fact.target == "core"
    other = explicit_request("remember that Ana's birthday is 3 May")
    assert other is not None and other.target == "semantic"
    assert explicit_request("what is my passport number?") is None
