"""Autofill through the facade on a real store: facts read from memories, ranking, the vault
policy and approvals, the disclosure log, and the prompt context without secrets."""

from __future__ import annotations

import threading

import pytest

from app.autofill.approval import ApprovalRequest, Decision
from app.autofill.context import redact
from app.autofill.disclosures import Recipient
from app.autofill.fields import FieldSpec
from app.autofill.suggest import PageContext
from app.errors import InvalidInput, PassphraseRequired, WrongPassphrase
from tests.conftest import PASSPHRASE

HUMAN = """Name: Ana Maria Silva
E-mail: ana.silva@example.pt
Work email: ana@acme.example
Phone: +351 912 345 678
Address: Rua das Flores 12, 3 Esq, 4050-262 Porto, Portugal
I was born on 12 April 1990. I work at Acme Robotics."""

PASSPORT = "P1234567"
CARD = "4111 1111 1111 1111"
GITHUB = "hunter2-github-pw"
FLYER = "TP998877"
RECIPIENT = Recipient("api", "a test program", "https://shop.example/checkout")


class ScriptedApprover:
    """A small fake written against the `Approver` protocol: answers from a script."""

    def __init__(self, answer: str = "allow", passphrase: str | None = PASSPHRASE) -> None:
        self.answer = answer
        self.passphrase = passphrase
        self.requests: list[ApprovalRequest] = []

    def approve(self, request: ApprovalRequest) -> Decision:
        self.requests.append(request)
        if self.answer == "allow":
            return Decision(frozenset(i.memory_id for i in request.items), self.passphrase)
        if self.answer == "crash":
            raise RuntimeError("the dialog broke")
        return Decision.deny(self.answer)


@pytest.fixture
def person(memloci):
    """A store with the person's facts, someone else's, and vault entries of each sensitivity."""
    ids = {}
    ids["human"] = memloci.add(HUMAN, type="core", fields={"label": "human"}).id
    memloci.add(
        "Rui is my colleague; email rui@example.com", type="semantic", fields={"name": "Rui"}
    )
    ids["airline"] = memloci.add(
        "I always fly with TAP and prefer window seats",
        type="semantic",
        fields={"name": "Favourite airline"},
    ).id
    ids["home_phone"] = memloci.add(
        "+351 222 333 444", type="semantic", fields={"name": "Home phone"}
    ).id

    def vault(caption: str, secret: str, sensitivity: str, entry_type: str = "id") -> str:
        fields = {"caption": caption, "secret_value": secret, "sensitivity": sensitivity}
        return memloci.add(None, type="vault", fields={**fields, "entry_type": entry_type}).id

    ids["passport"] = vault("Passport number", PASSPORT, "medium")
    ids["card"] = vault("Credit card number", CARD, "high", "card")
    ids["github"] = vault("GitHub password", GITHUB, "high", "credential")
    ids["flyer"] = vault("TAP frequent flyer number", FLYER, "low")
    return ids


def first_values(results) -> list[str | None]:
    return [r.suggestions[0].value if r.suggestions else None for r in results]


def test_a_checkout_form_is_filled_from_the_human_block(memloci, person) -> None:
    specs = [
        FieldSpec(label="First name", autocomplete="given-name"),
        FieldSpec(label="Last name", autocomplete="family-name"),
        FieldSpec(label="Email", type="email"),
        FieldSpec(label="Phone", type="tel"),
        FieldSpec(label="Street address", autocomplete="address-line1"),
        FieldSpec(label="Apartment"),
        FieldSpec(label="City"),
        FieldSpec(label="Postcode"),
        FieldSpec(label="Country", autocomplete="country"),
        FieldSpec(label="Date of birth", type="date"),
        FieldSpec(label="Company"),
    ]
    results = memloci.autofill.suggest(specs, PageContext(url="https://shop.example/checkout"))
    assert first_values(results) == [
        "Ana",
        "Silva",
        "ana.silva@example.pt",
        "+351 912 345 678",
        "Rua das Flores 12",
        "3 Esq",
        "Porto",
        "4050-262",
        "Portugal",
        "1990-04-12",
        "Acme Robotics",
    ]
    country = results[8].suggestions[0]
    assert country.alternatives == ("PT",) and country.memory.id == person["human"]
    # Someone else's e-mail in a semantic note is never offered as the person's own.
    assert all(s.value != "rui@example.com" for s in results[2].suggestions)


def test_a_lone_address_field_gets_the_whole_address(memloci, person) -> None:
    result = memloci.autofill.suggest([FieldSpec(label="Shipping address")])[0]
    assert result.suggestions[0].value == "Rua das Flores 12, 3 Esq, 4050-262 Porto, Portugal"


def test_qualifiers_prefer_the_matching_value(memloci, person) -> None:
    work = memloci.autofill.suggest([FieldSpec(label="Work e-mail")])[0]
    assert work.suggestions[0].value == "ana@acme.example"
    home = memloci.autofill.suggest([FieldSpec(label="Home phone")])[0]
    assert home.suggestions[0].value == "+351 222 333 444"
    assert home.suggestions[0].memory.id == person["home_phone"]


def test_free_text_questions_are_answered_by_search(memloci, person) -> None:
    result = memloci.autofill.suggest([FieldSpec(label="Favourite airline")])[0]
    assert result.match.key is None
    assert result.suggestions[0].memory.id == person["airline"]
    assert "TAP" in result.suggestions[0].value
    nothing = memloci.autofill.suggest([FieldSpec(label="Shoe size")])[0]
    assert nothing.suggestions == ()


def test_suggestions_keep_vault_values_sealed_and_log_nothing(memloci, person) -> None:
    results = memloci.autofill.suggest([FieldSpec(label="Passport no.")])
    suggestion = results[0].suggestions[0]
    assert suggestion.memory.id == person["passport"]
    assert suggestion.sealed and suggestion.value is None and suggestion.sensitivity == "medium"
    assert PASSPORT not in repr(results)
    assert memloci.autofill.disclosures() == []


def test_a_secret_is_never_returned_without_approval(memloci, person) -> None:
    specs = [FieldSpec(label="Passport number"), FieldSpec(label="Card number")]
    # No approver installed: nobody can say yes.
    results = memloci.autofill.fill(specs, None, RECIPIENT)
    assert [r.suggestions for r in results] == [(), ()]
    assert [w.reason for r in results for w in r.withheld] == ["no-approver", "no-approver"]
    approver = ScriptedApprover("denied")
    memloci.autofill.set_approver(approver)
    results = memloci.autofill.fill(specs, None, RECIPIENT)
    assert all(not r.suggestions for r in results)
    assert [w.reason for r in results for w in r.withheld] == ["denied", "denied"]
    text = repr([r.to_dict() for r in results])
    assert PASSPORT not in text and CARD not in text
    # One prompt for the whole form, naming the program, the page and each value.
    request = approver.requests[0]
    assert request.recipient == "a test program" and request.page == RECIPIENT.page
    assert [(i.caption, i.sensitivity) for i in request.items] == [
        ("Passport number", "medium"),
        ("Credit card number", "high"),
    ]
    assert request.needs_passphrase


def test_approved_values_are_released_and_logged(memloci, person) -> None:
    memloci.autofill.set_approver(ScriptedApprover("allow", PASSPHRASE))
    specs = [FieldSpec(label="Passport number"), FieldSpec(label="Card number")]
    results = memloci.autofill.fill(specs, None, RECIPIENT)
    assert first_values(results) == [PASSPORT, CARD]
    log = memloci.autofill.disclosures()
    assert {(d.memory_id, d.outcome, d.approval) for d in log} == {
        (person["passport"], "disclosed", "person"),
        (person["card"], "disclosed", "passphrase"),
    }
    entry = next(d for d in log if d.memory_id == person["card"])
    assert (entry.channel, entry.recipient, entry.page) == ("api", "a test program", RECIPIENT.page)
    assert entry.purpose == "Card number" and entry.title == "Credit card number"
    assert entry.sensitivity == "high"


def test_high_sensitivity_needs_the_right_passphrase(memloci, person) -> None:
    memloci.autofill.set_approver(ScriptedApprover("allow", "not the passphrase"))
    specs = [FieldSpec(label="Passport number"), FieldSpec(label="Card number")]
    results = memloci.autofill.fill(specs, None, RECIPIENT)
    assert first_values(results) == [PASSPORT, None]
    assert results[1].withheld[0].reason == "wrong-passphrase"
    memloci.autofill.set_approver(ScriptedApprover("allow", None))
    results = memloci.autofill.fill(specs[1:], None, RECIPIENT)
    assert results[0].suggestions == () and results[0].withheld[0].reason == "denied"


def test_policy_never_and_allow(memloci, person) -> None:
    approver = ScriptedApprover("allow")
    memloci.autofill.set_approver(approver)
    settings = memloci.settings.with_value("autofill.vault_medium", "never")
    memloci.save_settings(settings.with_value("autofill.vault_low", "allow"))
    results = memloci.autofill.fill(
        [FieldSpec(label="Passport number"), FieldSpec(label="Frequent flyer number")],
        None,
        RECIPIENT,
    )
    assert first_values(results) == [None, FLYER]
    assert results[0].withheld[0].reason == "never"
    assert approver.requests == []  # "never" does not even ask; "allow" needs no asking
    flyer = next(d for d in memloci.autofill.disclosures() if d.memory_id == person["flyer"])
    assert flyer.approval == "auto"


def test_a_broken_approver_denies(memloci, person) -> None:
    memloci.autofill.set_approver(ScriptedApprover("crash"))
    results = memloci.autofill.fill([FieldSpec(label="Passport number")], None, RECIPIENT)
    assert results[0].suggestions == () and results[0].withheld[0].reason == "denied"


def test_passwords_go_only_to_their_own_site(memloci, person) -> None:
    memloci.autofill.set_approver(ScriptedApprover("allow"))
    password = [FieldSpec(label="Password", type="password")]
    elsewhere = memloci.autofill.fill(
        password, PageContext(url="https://gitlab.com/login"), RECIPIENT
    )
    assert elsewhere[0].suggestions == () and elsewhere[0].withheld == ()
    home = memloci.autofill.fill(password, PageContext(url="https://github.com/login"), RECIPIENT)
    assert first_values(home) == [GITHUB]


def test_approvals_are_asked_one_at_a_time(memloci, person) -> None:
    inside, overlap = threading.Lock(), []

    class Slow(ScriptedApprover):
        def approve(self, request: ApprovalRequest) -> Decision:
            if not inside.acquire(blocking=False):
                overlap.append(True)
                return Decision.deny()
            try:
                threading.Event().wait(0.05)
                return super().approve(request)
            finally:
                inside.release()

    memloci.autofill.set_approver(Slow("allow"))
    threads = [
        threading.Thread(
            target=memloci.autofill.fill,
            args=([FieldSpec(label="Passport number")], None, RECIPIENT),
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlap == []


def test_reveal_for_the_persons_own_choice(memloci, person) -> None:
    popup = Recipient("popup", "clipboard", "Checkout — Firefox")
    assert memloci.autofill.reveal(person["passport"], popup, "Passport") == PASSPORT
    with pytest.raises(PassphraseRequired):
        memloci.autofill.reveal(person["card"], popup, "Card")
    with pytest.raises(WrongPassphrase):
        memloci.autofill.reveal(person["card"], popup, "Card", "wrong passphrase")
    assert memloci.autofill.reveal(person["card"], popup, "Card", PASSPHRASE) == CARD
    with pytest.raises(InvalidInput):
        memloci.autofill.reveal(person["human"], popup, "Name")
    assert [(d.memory_id, d.approval) for d in memloci.autofill.disclosures()] == [
        (person["card"], "passphrase"),
        (person["passport"], "person"),
    ]


def test_the_log_outlives_a_forgotten_memory_and_keeps_no_value(memloci, person) -> None:
    memloci.autofill.set_approver(ScriptedApprover("allow"))
    memloci.autofill.fill([FieldSpec(label="Passport number")], None, RECIPIENT)
    memloci.forget(person["passport"])
    entry = memloci.autofill.disclosures()[0]
    assert entry.memory_id == person["passport"] and entry.title == ""
    rows = memloci._parts.database.query("SELECT * FROM autofill_disclosures")
    assert PASSPORT not in repr(rows)


def test_bad_requests(memloci) -> None:
    with pytest.raises(InvalidInput):
        memloci.autofill.suggest([])
    with pytest.raises(InvalidInput):
        memloci.autofill.prompt_context("   ")
    with pytest.raises(InvalidInput):
        memloci.autofill.prompt_context("Ana", max_chars=50)
    with pytest.raises(InvalidInput):
        memloci.autofill.disclosures(limit=0)


def test_prompt_context_is_cited_compact_and_without_secrets(memloci, person) -> None:
    memloci.add(
        f"My passport {PASSPORT} is needed for the Porto trip; my api key is sk-abcdefghijkl"
        "mnopqrstuv",
        type="episodic",
    )
    memloci.add("Trip to Porto in May with Ana's sister", type="episodic")
    result = memloci.autofill.prompt_context(
        "Planning my Porto trip: flights and passport", max_chars=600
    )
    assert result.text.startswith("Context from my personal memory")
    assert len(result.text) <= 600
    assert result.items and all(i.memory.type.value != "vault" for i in result.items)
    for item in result.items:
        assert f"[{item.number}] " in result.text and f"memloci:{item.memory.id[:8]}" in result.text
    for secret in (PASSPORT, CARD, GITHUB, FLYER, "sk-abcdefghijklmnopqrstuv"):
        assert secret not in result.text
    assert "[REDACTED:vault]" in result.text and "[REDACTED:openai-key]" in result.text
    assert memloci.autofill.disclosures() == []  # nothing was handed out yet
    memloci.autofill.prompt_context("Porto trip", recipient=Recipient("cli", "terminal"))
    assert {d.purpose for d in memloci.autofill.disclosures()} == {"prompt-context"}


def test_redaction_of_secret_shapes() -> None:
    text = (
        "password: hunter2, pin=1234, card 4111 1111 1111 1111, not a card 1234 5678 9012 3456, "
        "token ghp_abcdefghijklmnopqrstuvwxyz0123, AKIAABCDEFGHIJKLMNOP, IBAN PT50 0002 0123 "
        "1234 5678 9015 4"
    )
    clean = redact(text, ["extra-secret"])
    for secret in ("hunter2", "1234,", "4111 1111", "ghp_", "AKIA", "PT50"):
        assert secret not in clean, secret
    assert "1234 5678 9012 3456" in clean  # fails the Luhn check: not a card number
    assert redact("my extra-secret here", ["extra-secret"]) == "my [REDACTED:vault] here"


def test_the_agents_conventions(memloci) -> None:
    # The memory agents write the person's own details as "My ...: value" lines in the human
    # block, and other people's as semantic memories named "Ana (e-mail)".
    memloci.add(
        "Ana's e-mail is ana@example.com.", type="semantic", fields={"name": "Ana (e-mail)"}
    )
    memloci.add(
        "Rui's phone number is +351 911 111 111.",
        type="semantic",
        fields={"name": "Rui (phone number)"},
    )
    memloci.add(
        "My e-mail: me@example.pt\nMy work e-mail: me@acme.example\n"
        "My phone number: +351 934 567 890",
        type="core",
        fields={"label": "human"},
    )
    results = memloci.autofill.suggest(
        [FieldSpec(label="E-mail"), FieldSpec(label="Work e-mail"), FieldSpec(label="Phone")]
    )
    values = [[s.value for s in r.suggestions] for r in results]
    assert values[0][0] == "me@example.pt" and values[1][0] == "me@acme.example"
    assert values[2] == ["+351 934 567 890"]
    assert "ana@example.com" not in repr(values) and "911" not in repr(values)


def test_the_fact_cache_follows_changes_made_elsewhere(memloci, home) -> None:
    from app.core import Memloci

    phone = [FieldSpec(label="Phone")]
    assert memloci.autofill.suggest(phone)[0].suggestions == ()
    other = Memloci.open(home)  # another process (the CLI while the app runs)
    try:
        block = other.add("Phone: +351 912 345 678", type="core", fields={"label": "human"})
        assert memloci.autofill.suggest(phone)[0].suggestions[0].value == "+351 912 345 678"
        other.update(block.id, "Phone: +351 999 888 777", reason="new number")
        assert memloci.autofill.suggest(phone)[0].suggestions[0].value == "+351 999 888 777"
        other.invalidate(block.id, "moved away")
        assert memloci.autofill.suggest(phone)[0].suggestions == ()
        other.restore(block.id)
        assert memloci.autofill.suggest(phone)[0].suggestions[0].value == "+351 999 888 777"
        other.forget(block.id)
        assert memloci.autofill.suggest(phone)[0].suggestions == ()
    finally:
        other.close()


def test_secret_fields_are_answered_only_from_the_vault(memloci) -> None:
    memloci.add(
        "Password: hunter2-in-the-open\nCard number: 4111 1111 1111 1111",
        type="core",
        fields={"label": "human"},
    )
    results = memloci.autofill.fill(
        [FieldSpec(label="Password", type="password"), FieldSpec(label="Card number")],
        PageContext(url="https://shop.example/"),
        RECIPIENT,
    )
    assert [r.suggestions for r in results] == [(), ()]


def test_address_lines_written_part_by_part(memloci) -> None:
    memloci.add(
        "Street: Rua das Flores 12\nCity: Porto\nPostcode: 4050-262\nCountry: Portugal",
        type="core",
        fields={"label": "human"},
    )
    specs = [
        FieldSpec(autocomplete="address-line1"),
        FieldSpec(label="Town"),
        FieldSpec(label="ZIP"),
        FieldSpec(autocomplete="country"),
    ]
    assert first_values(memloci.autofill.suggest(specs)) == [
        "Rua das Flores 12",
        "Porto",
        "4050-262",
        "Portugal",
    ]
