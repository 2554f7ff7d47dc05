"""What a form field asks for: autocomplete tokens, labels in several languages, name attributes,
placeholders and input types, and the values recognised for them."""

from __future__ import annotations

import pytest

from app.autofill import values
from app.autofill.fields import (
    AUTOCOMPLETE_KEYS,
    FieldSpec,
    map_field,
    map_label,
    normalise,
    parse_autocomplete,
)
from app.autofill.hotkey import parse_hotkey
from app.errors import ConfigError
from app.timewords import parse_date


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("name", "name"),
        ("given-name", "given-name"),
        ("family-name", "family-name"),
        ("additional-name", "additional-name"),
        ("email", "email"),
        ("tel", "tel"),
        ("tel-national", "tel-national"),
        ("street-address", "street-address"),
        ("address-line1", "address-line1"),
        ("address-line2", "address-line2"),
        ("address-level2", "address-level2"),
        ("address-level1", "address-level1"),
        ("postal-code", "postal-code"),
        ("country", "country"),
        ("country-name", "country-name"),
        ("bday", "bday"),
        ("bday-year", "bday-year"),
        ("organization", "organization"),
        ("organization-title", "organization-title"),
        ("username", "username"),
        ("current-password", "password"),
        ("new-password", "password"),
        ("url", "url"),
        ("cc-number", "cc-number"),
    ],
)
def test_autocomplete_tokens_win_over_everything_else(token: str, key: str) -> None:
    # The label says something else entirely: the autocomplete attribute is the page's promise.
    match = map_field(FieldSpec(label="Favourite colour", name="x1", autocomplete=token))
    assert (match.key, match.via, match.confidence) == (key, "autocomplete", 1.0)


def test_autocomplete_sections_and_contact_qualifiers() -> None:
    assert parse_autocomplete("section-blue shipping street-address") == (
        "street-address",
        frozenset({"shipping"}),
    )
    assert parse_autocomplete("billing work email") == ("email", frozenset({"billing", "work"}))
    assert parse_autocomplete("username webauthn") == ("username", frozenset())
    assert parse_autocomplete("off") == (None, frozenset())
    assert parse_autocomplete("on") == (None, frozenset())
    assert parse_autocomplete("nonsense-token") == (None, frozenset())
    # "off" falls back to the label instead of giving up on the field.
    assert map_field(FieldSpec(label="Phone", autocomplete="off")).key == "tel"


def test_every_html_token_is_a_key_it_maps_to() -> None:
    for token in AUTOCOMPLETE_KEYS:
        assert map_field(FieldSpec(autocomplete=token)).key is not None, token


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Full name", "name"),
        ("Your name", "name"),
        ("First name", "given-name"),
        ("Given name", "given-name"),
        ("Last name", "family-name"),
        ("Surname", "family-name"),
        ("Middle name", "additional-name"),
        ("Email address", "email"),
        ("E-mail", "email"),
        ("Please enter your e-mail", "email"),
        ("What's your email?", "email"),
        ("Phone number", "tel"),
        ("Mobile phone number (optional)", "tel"),
        ("Street address", "street-address"),
        ("Shipping address", "street-address"),
        ("Address line 1", "address-line1"),
        ("Address line 2", "address-line2"),
        ("Apartment, suite, etc.", "address-line2"),
        ("Town/City", "address-level2"),
        ("State / Province", "address-level1"),
        ("ZIP code", "postal-code"),
        ("Zip / Postal code", "postal-code"),
        ("Postcode", "postal-code"),
        ("Country/Region", "country"),
        ("Date of birth", "bday"),
        ("Birthday", "bday"),
        ("Company name", "organization"),
        ("Organisation", "organization"),
        ("Job title", "organization-title"),
        ("Website", "url"),
        ("Username", "username"),
        ("Password", "password"),
        ("Name on card", "cc-name"),
        ("Card number", "cc-number"),
        ("Passport no.", "passport"),
        ("Passport number", "passport"),
        ("IBAN", "iban"),
        ("VAT number", "tax-id"),
        # other languages (accents and case do not matter)
        ("Prénom", "given-name"),
        ("Nom de famille", "family-name"),
        ("Adresse e-mail", "email"),
        ("Code postal", "postal-code"),
        ("Vorname", "given-name"),
        ("Nachname", "family-name"),
        ("Straße und Hausnummer", "address-line1"),
        ("PLZ", "postal-code"),
        ("Geburtsdatum", "bday"),
        ("Apellidos", "family-name"),
        ("Código postal", "postal-code"),
        ("Fecha de nacimiento", "bday"),
        ("Morada", "street-address"),
        ("Telemóvel", "tel"),
        ("Data de nascimento", "bday"),
    ],
)
def test_labels(label: str, key: str) -> None:
    match = map_field(FieldSpec(label=label))
    assert (match.key, match.via) == (key, "label"), label


def test_longest_phrase_wins() -> None:
    # "email address" must not be read as a postal "address", nor "company name" as a name.
    assert map_field(FieldSpec(label="Email address")).key == "email"
    assert map_field(FieldSpec(label="Company name")).key == "organization"
    assert map_field(FieldSpec(label="User name")).key == "username"
    assert map_field(FieldSpec(label="Name on card")).key == "cc-name"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("firstName", "given-name"),
        ("fname", "given-name"),
        ("last_name", "family-name"),
        ("user[email]", "email"),
        ("billing_address_line1", "address-line1"),
        ("zip", "postal-code"),
        ("postalCode", "postal-code"),
        ("phoneNumber", "tel"),
        ("dob", "bday"),
    ],
)
def test_name_attributes(name: str, key: str) -> None:
    match = map_field(FieldSpec(name=name))
    assert (match.key, match.via) == (key, "name")


def test_placeholder_and_type_are_the_last_resorts() -> None:
    assert map_field(FieldSpec(placeholder="Enter your city")).key == "address-level2"
    assert map_field(FieldSpec(name="q7", type="email")).key == "email"
    assert map_field(FieldSpec(name="q8", type="tel")).via == "type"
    assert map_field(FieldSpec(name="q9", type="text")).key is None


def test_questions_and_free_text_stay_free_text() -> None:
    for label in ("Why do you want this role?", "Favourite airline", "Title of your talk"):
        match = map_field(FieldSpec(label=label))
        assert match.key is None, label
        assert match.words == normalise(label)


def test_qualifiers_from_labels() -> None:
    assert map_field(FieldSpec(label="Work e-mail")).qualifiers == {"work"}
    assert "mobile" in map_field(FieldSpec(label="Cell phone")).qualifiers
    assert "home" in map_field(FieldSpec(label="Personal email")).qualifiers


def test_map_label_for_memory_lines() -> None:
    assert map_label("Home address") == "street-address"
    assert map_label("Work email") == "email"
    assert map_label("Birthday") == "bday"
    assert map_label("Notes about the trip to Porto") is None


def test_values_are_recognised_conservatively() -> None:
    assert values.find_email("mail me: ana.silva@example.pt.") == "ana.silva@example.pt"
    assert values.find_phone("call +351 912 345 678 today") == "+351 912 345 678"
    assert values.find_phone("(555) 123-4567") == "(555) 123-4567"
    assert values.find_phone("born 1990-04-12") is None
    assert values.find_phone("room 12345") is None
    assert values.split_phone("+351 912 345 678") == ("+351", "912 345 678")
    assert values.split_phone("0044 20 7946 0958") == ("+44", "20 7946 0958")
    assert values.split_phone("912 345 678") is None
    assert str(parse_date("12 April 1990")) == "1990-04-12"
    assert str(parse_date("April 12, 1990")) == "1990-04-12"
    assert str(parse_date("12.04.1990")) == "1990-04-12"
    assert str(parse_date("04/25/1990")) == "1990-04-25"  # 25 cannot be a month
    assert parse_date("31 February 1990") is None
    assert values.country_code("Portugal") == "PT" and values.country_code("pt") == "PT"
    assert values.country_code("Narnia") is None


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "Rua das Flores 12, 3 Esq, 4050-262 Porto, Portugal",
            ("Rua das Flores 12", "3 Esq", "Porto", "", "4050-262", "Portugal"),
        ),
        (
            "221B Baker Street, London NW1 6XE, United Kingdom",
            ("221B Baker Street", "", "London", "", "NW1 6XE", "United Kingdom"),
        ),
        (
            "742 Evergreen Terrace, Springfield, IL 62704, USA",
            ("742 Evergreen Terrace", "", "Springfield", "IL", "62704", "USA"),
        ),
        ("Hauptstraße 5, 10115 Berlin", ("Hauptstraße 5", "", "Berlin", "", "10115", "")),
        (
            "Kerkstraat 1, 1017 GC Amsterdam, Netherlands",
            ("Kerkstraat 1", "", "Amsterdam", "", "1017 GC", "Netherlands"),
        ),
    ],
)
def test_addresses_split_into_parts(text: str, parts: tuple[str, ...]) -> None:
    address = values.parse_address(text)
    assert address is not None
    got = (
        address.line1,
        address.line2,
        address.city,
        address.region,
        address.postal_code,
        address.country,
    )
    assert got == parts


def test_text_without_a_street_is_not_an_address() -> None:
    assert values.parse_address("Porto") is None
    assert values.parse_address("somewhere nice, by the sea") is None


def test_hotkey_parsing() -> None:
    assert parse_hotkey("ctrl+alt+m") == (("ControlMask", "Mod1Mask"), "m")
    assert parse_hotkey("Super+Shift+Space") == (("Mod4Mask", "ShiftMask"), "space")
    assert parse_hotkey("ctrl+alt+F5") == (("ControlMask", "Mod1Mask"), "F5")
    for bad in ("m", "ctrl+", "hyper+m", "ctrl+alt+ü?", ""):
        with pytest.raises(ConfigError):
            parse_hotkey(bad)
