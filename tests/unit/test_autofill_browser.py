"""What a browser may get (issue 13, item 2), on Memloci's side and on a real store: a field's
label is no query unless the person allowed the site, every vault value waits for the person,
the extension's review keeps the vault sealed, and the person's picks narrow what is asked."""

from __future__ import annotations

import http.client
import json

import pytest

from app.api.server import ApiServer
from app.autofill.browser import BROWSER, site_allowed, site_of
from app.autofill.disclosures import Recipient
from app.autofill.fields import FieldSpec
from app.autofill.suggest import PageContext
from app.errors import ConfigError, InvalidInput
from app.settings import BROWSER_EXTENSION_ID, Settings
from tests.unit.test_autofill_service import ScriptedApprover

HUMAN = """Name: Ana Maria Silva
E-mail: ana.silva@example.pt
Phone: +351 912 345 678
Address: Rua das Flores 12, 4050-262 Porto, Portugal"""
SISTER = "My sister Marta lives in Braga and works at the hospital"
LOCKER = "4471"
PASSPORT = "P1234567"
GYM = PageContext(url="https://www.gym.example/members")
SHOP = PageContext(url="https://shop.example/signup")


def browser(page: PageContext) -> Recipient:
    return Recipient(BROWSER, "Memloci browser extension", page.describe())


def program(page: PageContext) -> Recipient:
    return Recipient("api", "a local program", page.describe())


@pytest.fixture
def store(memloci) -> dict[str, str]:
    ids = {"human": memloci.add(HUMAN, type="core", fields={"label": "human"}).id}
    ids["sister"] = memloci.add(SISTER, type="semantic", fields={"name": "Sister"}).id
    ids["nationality"] = memloci.add(
        "Nationality forms at the border took an hour", type="semantic", fields={"name": "Trip"}
    ).id

    def vault(caption: str, secret: str, sensitivity: str) -> str:
        fields = {"caption": caption, "secret_value": secret, "sensitivity": sensitivity}
        return memloci.add(None, type="vault", fields=fields).id

    ids["locker"] = vault("Gym locker code", LOCKER, "low")
    ids["passport"] = vault("Passport number", PASSPORT, "low")
    ids["old_passport"] = vault("Work passport number", "X0000001", "medium")
    return ids


def values(results) -> list[list[str | None]]:
    return [[s.value for s in r.suggestions] for r in results]


# -- sites ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "site"),
    [
        ("gym.example", "gym.example"),
        ("GYM.Example.", "gym.example"),
        ("https://www.gym.example/login?x=1", "www.gym.example"),
        ("*.gym.example", "gym.example"),
        ("gym.example:8443", "gym.example"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
    ],
)
def test_a_site_is_read_as_its_host(given: str, site: str) -> None:
    assert site_of(given) == site


@pytest.mark.parametrize("given", ["", "not a site", "gym..example", "-gym.example", "a b/c"])
def test_what_is_not_a_host_is_refused(given: str) -> None:
    with pytest.raises(InvalidInput, match="not a site"):
        site_of(given)


def test_a_site_allows_its_subdomains_only() -> None:
    sites = ["gym.example"]
    assert site_allowed("gym.example", sites) and site_allowed("www.gym.example", sites)
    assert not site_allowed("evil-gym.example", sites)
    assert not site_allowed("gym.example.evil.test", sites)
    assert not site_allowed("", sites) and not site_allowed("gym.example", [])


def test_the_setting_keeps_hosts_only() -> None:
    settings = Settings().with_value(
        "autofill.free_text_sites", ["https://Gym.example/x", "gym.example", "127.0.0.1"]
    )
    assert settings.autofill.free_text_sites == ["127.0.0.1", "gym.example"]
    with pytest.raises(ConfigError, match="not a site"):
        Settings().with_value("autofill.free_text_sites", ["evil example"])


# -- labels are no query from a browser ---------------------------------------------------------
def test_a_free_text_label_is_no_query_from_a_browser(memloci, store) -> None:
    approver = ScriptedApprover("allow")
    memloci.autofill.set_approver(approver)
    specs = [FieldSpec(label="Sister"), FieldSpec(label="Gym locker code")]
    results = memloci.autofill.fill(specs, SHOP, browser(SHOP))
    assert values(results) == [[], []]
    assert [r.refused for r in results] == ["free-text", "free-text"]
    assert [r.to_dict()["refused"] for r in results] == ["free-text", "free-text"]
    assert approver.requests == [] and memloci.autofill.disclosures() == []
    # A local program with the token (it may search the memory anyway) still gets answers.
    results = memloci.autofill.fill(specs, SHOP, program(SHOP))
    assert values(results) == [[SISTER], [LOCKER]]
    assert [r.refused for r in results] == ["", ""]


def test_a_known_kind_is_answered_from_its_own_facts_only(memloci, store) -> None:
    memloci.autofill.set_approver(ScriptedApprover("allow"))
    specs = [
        FieldSpec(label="E-mail", type="email"),
        FieldSpec(label="Phone"),
        # A known kind (by its type) whose label names a vault entry's caption: no match.
        FieldSpec(label="Email gym locker code", type="email"),
        # A known kind with no fact: no search for the label's words either.
        FieldSpec(label="Nationality"),
    ]
    results = memloci.autofill.fill(specs, SHOP, browser(SHOP))
    assert values(results) == [
        ["ana.silva@example.pt"],
        ["+351 912 345 678"],
        ["ana.silva@example.pt"],
        [],
    ]
    assert all(r.refused == "" for r in results)
    # The same form for a local program: the caption and the search answer too.
    local = memloci.autofill.fill(specs, SHOP, program(SHOP))
    assert LOCKER in values(local)[2]
    assert local[3].suggestions[0].memory.id == store["nationality"]


def test_a_site_the_person_allowed_gets_free_text_with_approval(memloci, store) -> None:
    approver = ScriptedApprover("allow")
    memloci.autofill.set_approver(approver)
    memloci.save_settings(memloci.settings.with_value("autofill.free_text_sites", ["gym.example"]))
    specs = [FieldSpec(label="Gym locker code"), FieldSpec(label="Sister")]
    results = memloci.autofill.fill(specs, GYM, browser(GYM))
    assert values(results) == [[LOCKER], [SISTER]]
    # Low sensitivity, policy "allow": a browser still asks the person.
    assert [(i.caption, i.sensitivity) for i in approver.requests[0].items] == [
        ("Gym locker code", "low")
    ]
    locker = next(d for d in memloci.autofill.disclosures() if d.memory_id == store["locker"])
    assert (locker.channel, locker.outcome, locker.approval) == (BROWSER, "disclosed", "person")
    # Another site (one that only ends alike) is not allowed.
    evil = PageContext(url="https://evil-gym.example/")
    assert values(memloci.autofill.fill(specs, evil, browser(evil))) == [[], []]


def test_an_allowance_made_elsewhere_holds_at_once(memloci, store) -> None:
    """`memloci autofill sites --allow` in another process reaches a running server."""
    specs = [FieldSpec(label="Sister")]
    assert values(memloci.autofill.fill(specs, GYM, browser(GYM))) == [[]]
    Settings().with_value("autofill.free_text_sites", ["gym.example"]).save(
        memloci.paths.settings_file
    )
    assert values(memloci.autofill.fill(specs, GYM, browser(GYM))) == [[SISTER]]
    Settings().save(memloci.paths.settings_file)
    assert values(memloci.autofill.fill(specs, GYM, browser(GYM))) == [[]]


# -- the vault asks, whatever the sensitivity ---------------------------------------------------
def test_every_vault_value_asks_before_a_browser_gets_it(memloci, store) -> None:
    specs = [FieldSpec(label="Passport number")]
    assert memloci.settings.autofill.vault_low == "allow"
    # No approver: a low value still does not go to a browser.
    result = memloci.autofill.fill(specs, SHOP, browser(SHOP))[0]
    assert [s.value for s in result.suggestions] == []
    assert {w.reason for w in result.withheld} == {"no-approver"}
    # A local program gets the low value on policy, as before.
    local = memloci.autofill.fill(specs, SHOP, program(SHOP))[0]
    assert PASSPORT in [s.value for s in local.suggestions]
    approver = ScriptedApprover("denied")
    memloci.autofill.set_approver(approver)
    result = memloci.autofill.fill(specs, SHOP, browser(SHOP))[0]
    assert result.suggestions == ()
    assert {i.sensitivity for i in approver.requests[0].items} == {"low", "medium"}
    withheld = {(d.memory_id, d.outcome, d.approval) for d in memloci.autofill.disclosures()}
    assert (store["passport"], "withheld", "denied") in withheld


# -- review and picks ------------------------------------------------------------------------------
def test_the_review_keeps_the_vault_sealed_and_asks_nobody(memloci, store) -> None:
    approver = ScriptedApprover("allow")
    memloci.autofill.set_approver(approver)
    specs = [FieldSpec(label="E-mail", type="email"), FieldSpec(label="Passport number")]
    results = memloci.autofill.fill(specs, SHOP, browser(SHOP), review=True)
    assert values(results)[0] == ["ana.silva@example.pt"]
    passport = results[1].suggestions
    assert {s.memory.id for s in passport} == {store["passport"], store["old_passport"]}
    assert all(s.sealed for s in passport) and PASSPORT not in repr(results)
    assert approver.requests == []
    # What the review was shown is logged; sealed vault entries are not (nothing left).
    log = memloci.autofill.disclosures()
    assert {(d.memory_id, d.outcome) for d in log} == {(store["human"], "disclosed")}


def test_picks_narrow_what_is_asked_and_handed_out(memloci, store) -> None:
    approver = ScriptedApprover("allow")
    memloci.autofill.set_approver(approver)
    specs = [FieldSpec(label="Passport number"), FieldSpec(label="E-mail", type="email")]
    results = memloci.autofill.fill(specs, SHOP, browser(SHOP), picks=[store["passport"], ""])
    assert values(results) == [[PASSPORT], ["ana.silva@example.pt"]]
    assert [i.memory_id for i in approver.requests[0].items] == [store["passport"]]
    # A pick that is not among the field's suggestions answers nothing.
    results = memloci.autofill.fill(specs[:1], SHOP, browser(SHOP), picks=[store["sister"]])
    assert values(results) == [[]] and len(approver.requests) == 1
    with pytest.raises(InvalidInput, match="one pick per field"):
        memloci.autofill.fill(specs, SHOP, browser(SHOP), picks=[""])


# -- over HTTP: an extension's Origin makes the caller a browser -----------------------------------
def _post(server: ApiServer, body: dict, origin: str | None) -> dict:
    headers = {
        "Host": f"127.0.0.1:{server.port}",
        "Authorization": f"Bearer {server.memloci.api_token()}",
        "Content-Type": "application/json",
    }
    if origin:
        headers["Origin"] = origin
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", "/v1/autofill", body=json.dumps(body).encode(), headers=headers)
        response = conn.getresponse()
        assert response.status == 200, response.read()
        return json.loads(response.read())
    finally:
        conn.close()


def test_the_api_applies_the_browser_rules_to_extensions(memloci, store) -> None:
    server = ApiServer(memloci, port=0)
    server.start()
    form = {
        "page": {"url": SHOP.url},
        "fields": [{"label": "Sister"}, {"label": "Passport number"}, {"label": "E-mail"}],
    }
    try:
        extension = f"chrome-extension://{BROWSER_EXTENSION_ID}"
        review = _post(server, {**form, "review": True}, extension)
        local = _post(server, form, None)
        picked = {**form, "fields": [{"label": "Passport number", "memory_id": store["passport"]}]}
        memloci.autofill.set_approver(ScriptedApprover("allow"))
        chosen = _post(server, picked, extension)
    finally:
        server.stop()
    sister, passport, email = review["fields"]
    assert sister["suggestions"] == [] and sister["refused"] == "free-text"
    assert {s["value"] for s in passport["suggestions"]} == {None}
    assert email["suggestions"][0]["value"] == "ana.silva@example.pt"
    assert local["fields"][0]["suggestions"][0]["value"] == SISTER
    assert [s["value"] for s in chosen["fields"][0]["suggestions"]] == [PASSPORT]
    channels = {(d.channel, d.recipient) for d in memloci.autofill.disclosures(limit=100)}
    assert channels == {(BROWSER, "Memloci browser extension"), ("api", "a local program")}


# -- the person's allowance, from the command line -------------------------------------------------
def test_the_person_allows_and_removes_sites_from_the_cli(capsys, memloci, store) -> None:
    from tests.unit.test_cli import memloci_cli

    specs = [FieldSpec(label="Sister")]
    code, out, _ = memloci_cli(capsys, "autofill", "sites")
    assert code == 0 and "No site" in out
    allow = ("--allow", "https://www.Gym.example/x", "--allow", "gym.example")
    code, out, _ = memloci_cli(capsys, "autofill", "sites", *allow)
    assert code == 0 and "www.gym.example (and its subdomains)" in out
    # The store open in this process (a running server) sees it at once.
    assert values(memloci.autofill.fill(specs, GYM, browser(GYM))) == [[SISTER]]
    code, out, _ = memloci_cli(capsys, "autofill", "sites", "--json")
    assert json.loads(out) == ["gym.example", "www.gym.example"]
    code, out, _ = memloci_cli(capsys, "autofill", "sites", "--remove", "gym.example")
    assert code == 0 and "gym.example" in out
    code, out, _ = memloci_cli(capsys, "autofill", "sites", "--remove", "www.gym.example")
    assert code == 0 and "No site" in out
    assert values(memloci.autofill.fill(specs, GYM, browser(GYM))) == [[]]
    code, _, err = memloci_cli(capsys, "autofill", "sites", "--remove", "shop.example")
    assert code == 2 and "shop.example is not on the list" in err
    code, _, err = memloci_cli(capsys, "autofill", "sites", "--allow", "not a site")
    assert code == 2 and "not a site" in err
