"""The one redactor (app.security.redact): what must go, and ordinary text that must stay;
the corpora in tests/data/redaction hold the many phrasings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.security.redact import PLACEHOLDER, entropy, find, has_secret, iban_ok, luhn_ok, redact


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("Card 4111 1111 1111 1111 exp 12/27", "card", "4111 1111 1111 1111"),
        ("pay with 5500-0000-0000-0004 now", "card", "5500-0000-0000-0004"),
        ("number 4012888888881881.", "card", "4012888888881881"),
        ("Amex 3782 822463 10005 on file", "card", "3782 822463 10005"),
        ("IBAN: DE89 3704 0044 0532 0130 00 EUR", "iban", "DE89 3704 0044 0532 0130 00"),
        ("to GB82WEST12345698765432 today", "iban", "GB82WEST12345698765432"),
        ("AWS AKIAIOSFODNN7EXAMPLE key", "aws-key", "AKIAIOSFODNN7EXAMPLE"),
        ("token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB", "github-token", "ghp_1234567890"),
        ("slack xoxb-1234567890-abcdefghijklmnop", "slack-token", "xoxb-1234567890"),
        ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz12", "openai-key", "sk-proj-abc"),
        ("stripe sk_live_51Habcdefghijklmnop", "stripe-key", "sk_live_51H"),
        (
            "Cookie: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
            "jwt",
            "eyJhbGciOiJIUzI1NiJ9",
        ),
        ("Password: hunter2!", "password", "hunter2"),
        ("passwd = S3cr3t", "password", "S3cr3t"),
        ("Passwort: geheim123", "password", "geheim123"),
        ("client_secret: 8f3Jd92kLmQp0zXv7TtY", "key", "8f3Jd92kLmQp0zXv7TtY"),
        ("SSN 123-45-6789 on file", "ssn", "123-45-6789"),
        ("passport no: X12345678 issued", "national-id", "X12345678"),
        ("NI number AB 12 34 56 C", "national-id", "AB 12 34 56 C"),
        ("postgres://admin:pa55word@db.example.com/prod", "credentials", "pa55word"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "private-key",
            "MIIEow",
        ),
    ],
)
def test_secrets_become_typed_placeholders(text: str, kind: str, secret: str) -> None:
    result = redact(text)
    assert f"[REDACTED:{kind}]" in result.text
    assert secret not in result.text
    assert result.counts[kind] == 1


@pytest.mark.parametrize(
    "text",
    [
        "Meeting on 2024-05-01 at 10:30, room 4.12",
        "Call +351 912 345 678 or (555) 123-4567",
        "Order 123456789012 shipped; total 1,234.56 EUR",
        "ISBN 978-3-16-148410-0 and timestamp 20240501123045",
        "commit 3f2a9c1d4e5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f",
        "not a card 4111 1111 1111 1112 (fails Luhn)",
        "wrong checksum DE89 3704 0044 0532 0130 01",
        "Forgot your password? Reset it here",
        "author: JohnSmithTheGreat",
        "version 1.2.3 build 4567890123456",
        "Phone 4915112345678",
        "The token bucket refills every second",
        "Tracking 1Z999AA10123456784 in transit",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text).text == text


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE89370400440532013001")
    assert entropy("aaaaaaaa") == 0 and entropy("8f3Jd92kLmQp0zXv") > 3.5


@settings(max_examples=200, deadline=None)
@given(
    st.dates().map(lambda d: d.isoformat()),
    st.integers(0, 23),
    st.integers(0, 59),
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.integers(0, 10**11),
)
def test_dates_times_amounts_and_short_numbers_never_redacted(date, hour, minute, amount, number):
    text = f"On {date} at {hour:02d}:{minute:02d} we paid {amount} for order {number}."
    assert redact(text).text == text


# -- the corpora ----------------------------------------------------------------------------
DATA = Path(__file__).resolve().parents[1] / "data" / "redaction"


def corpus(name: str) -> list[dict]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


SECRET_CASES = corpus("secrets.jsonl") + corpus("heldout_secrets.jsonl")
ORDINARY_CASES = corpus("ordinary.jsonl") + corpus("heldout_ordinary.jsonl")


def expected(case: dict) -> str:
    """The text with exactly its secrets replaced (a placeholder is written as NUL)."""
    text = case["text"]
    for secret in sorted(case["secrets"], key=len, reverse=True):
        text = text.replace(secret, "\0")
    return text


def test_the_corpora_are_broad() -> None:
    assert len(corpus("secrets.jsonl")) >= 150 and len(corpus("ordinary.jsonl")) >= 100
    languages = {c["lang"] for c in SECRET_CASES}
    assert {"en", "es", "pt", "de", "fr", "pl", "it"} <= languages
    tags = {c["tag"] for c in SECRET_CASES}
    assert {"passphrase", "code", "after", "spaced", "token", "ocr", "card", "iban"} <= tags


@pytest.mark.parametrize("case", SECRET_CASES, ids=lambda c: c["text"][:50])
def test_each_secret_phrasing_loses_exactly_its_secret(case: dict) -> None:
    output = redact(case["text"]).text
    assert PLACEHOLDER.sub("\0", output) == expected(case)


@pytest.mark.parametrize("case", ORDINARY_CASES, ids=lambda c: c["text"][:50])
def test_each_ordinary_sentence_is_stored_as_written(case: dict) -> None:
    assert redact(case["text"]).text == case["text"]
    assert not has_secret(case["text"])  # the agents' check on model output agrees


def test_findings_are_the_secret_spans_and_redaction_is_idempotent() -> None:
    for case in SECRET_CASES:
        text = case["text"]
        spans = {text[f.start : f.end] for f in find(text)}
        assert spans == set(case["secrets"]), text
        once = redact(text).text
        assert redact(once).text == once


def test_hidden_characters_do_not_hide_a_label() -> None:
    text = "pass\u200bword: hidden4you and p\u00adin 4821"
    result = redact(text)
    assert "hidden4you" not in result.text and "4821" not in result.text
    assert result.counts == {"password": 1, "pin": 1}


@pytest.mark.parametrize(
    ("ocr", "kind"),
    [
        ("sk live 51QmZr8KpX2vN7tY4wB9cD3eF6gH1jL0", "stripe-key"),
        ("sk_live.51QmZr8KpX2vN7tY4wB9cD3eF6gH1jL0", "stripe-key"),
        ("sklive51QmZr8KpX2vN7tY4wB9cD3eF6gH1jL0", "stripe-key"),
        ("ghp 16C7e42F292c6912E7710c838347Ae178B4a", "github-token"),
        ("github pat 11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", "github-token"),
        ("xoxb—2748392047-1234567890123-AbCdEfGhIjKl", "slack-token"),
        ("hf AbCdEfGhIjKlMnOpQrStUvWxYz123456", "huggingface-token"),
        ("4111  1111  1111  1111", "card"),
    ],
)
def test_keys_survive_ocr_losing_their_underscores(ocr: str, kind: str) -> None:
    result = redact(f"Billing: {ocr} (live mode)")
    assert result.text == f"Billing: [REDACTED:{kind}] (live mode)"


def test_ordinary_words_after_an_ocr_prefix_stay() -> None:
    for text in ("sk live music tonight", "pk test results are in", "ghp meeting at 10"):
        assert redact(text).text == text
