"""The browser extension end to end: Debian's Chromium (headless) with the unpacked extension,
a local test page with a checkout form, the real local API over a real store. The person pastes
the token in the options page, clicks into the form, clicks Memloci's badge, reviews in the
browser's side panel (vault values masked), then presses Fill there: the fields end up holding
the right memories, the approved vault values included (low sensitivity asks too) and the
refused one left out; the free-text field is answered because the person allowed the site."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.integration.extension_driver import (
    EXTENSION,
    Approves,
    local_api,
    local_site,
    open_review,
    paste_token,
    values_of,
    without_side_panel,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium package"),
]

HUMAN = """Name: Ana Maria Silva
E-mail: ana.silva@example.pt
Phone: +351 912 345 678
Address: Rua das Flores 12, 4050-262 Porto, Portugal
I was born on 12 April 1990."""
PASSPORT = "P1234567"
CARD = "4111 1111 1111 1111"
LICENCE = "AB-123456"

FORM = """<!doctype html>
<html><head><meta charset="utf-8"><title>Checkout — Test shop</title></head>
<body>
<form id="checkout" style="display: grid; grid-template-columns: 180px 320px; gap: 6px">
  <label for="given">First name</label><input id="given" name="fname" autocomplete="given-name">
  <span>Surname</span><label>Last name <input id="family" name="lname"></label>
  <label for="email">E-mail address</label><input id="email" type="email" name="email">
  <span></span><input id="phone" name="phone" aria-label="Mobile phone">
  <label for="street">Street address</label>
  <input id="street" name="street" autocomplete="address-line1">
  <label for="city">Town / City</label><input id="city" name="city">
  <span></span><input id="zip" name="zip" placeholder="Postcode">
  <label for="country">Country</label>
  <select id="country" name="country">
    <option value="">Choose…</option><option value="ES">Spain</option>
    <option value="PT">Portugal</option>
  </select>
  <label for="dob">Date of birth</label><input id="dob" type="date" name="dob">
  <label for="passport">Passport number</label><input id="passport" name="passport">
  <label for="licence">Driving licence</label><input id="licence" name="licence">
  <label for="card">Card number</label><input id="card" name="cc" autocomplete="off">
  <label for="airline">Favourite airline</label><textarea id="airline" name="airline"></textarea>
  <div style="height: 1400px"></div>
  <label for="notes">Delivery notes</label><input id="notes" name="notes">
</form>
<script>
  window.inputEvents = 0;
  document.getElementById("checkout").addEventListener("input", (e) => {
    if (e.isTrusted === false) window.inputEvents += 1;
  });
</script>
</body></html>"""


def test_the_extension_fills_a_form_from_memory(memloci, tmp_path: Path) -> None:
    from tests.integration.cdp import chromium

    memloci.add(HUMAN, type="core", fields={"label": "human"})
    memloci.add(
        "I always fly with TAP, window seat", type="semantic", fields={"name": "Favourite airline"}
    )
    for caption, secret, level in (
        ("Passport number", PASSPORT, "medium"),
        ("Driving licence", LICENCE, "low"),
        ("Credit card number", CARD, "high"),
    ):
        memloci.add(
            None,
            type="vault",
            fields={"caption": caption, "secret_value": secret, "sensitivity": level},
        )
    # The person allowed free-text answers on this site (the favourite airline).
    memloci.save_settings(memloci.settings.with_value("autofill.free_text_sites", ["127.0.0.1"]))
    approver = Approves("low", "medium")  # and refuses the card (high)
    memloci.autofill.set_approver(approver)
    with (
        local_api(memloci) as server,
        local_site(tmp_path / "site", {"checkout.html": FORM}) as site,
        chromium(EXTENSION, tmp_path / "profile") as browser,
    ):
        paste_token(browser, memloci, server.port)
        url = site + "checkout.html"
        page = browser.open(url)
        page.wait_for("document.querySelector('memloci-autofill') !== null")
        # The page cannot reach the extension's elements.
        assert page.eval("document.querySelector('memloci-autofill').shadowRoot") is None
        # Nor can the content script (it runs in the page's process) read the token.
        world = page.extension_world("Memloci autofill")
        stolen = page.eval_in(
            world, "chrome.storage.local.get('token').then(x => x.token || '', e => 'refused')"
        )
        assert stolen == "refused"
        review = open_review(browser, page, "#given")
        shown = review.eval("document.getElementById('rows').textContent")
        assert "Passport number" in shown and PASSPORT not in shown  # sealed until Fill
        # The field below the fold counts as seen (nothing in memory answers it), not hidden.
        assert review.eval("document.getElementById('notes').textContent") == ""
        review.click_selector("#fill")
        review.wait_for("document.getElementById('status').dataset.state === 'done'", 30)
        status = review.eval("document.getElementById('status').textContent")
        values = values_of(page, "#checkout input, #checkout select, #checkout textarea")
        events = page.eval("window.inputEvents")
        scrolled = page.eval("scrollY")

    assert values == {
        "given": "Ana",
        "family": "Silva",
        "email": "ana.silva@example.pt",
        "phone": "+351 912 345 678",
        "street": "Rua das Flores 12",
        "city": "Porto",
        "zip": "4050-262",
        "country": "PT",
        "dob": "1990-04-12",
        "passport": PASSPORT,  # medium: approved
        "licence": LICENCE,  # low: asked too (a browser), approved
        "card": "",  # high: refused, so it never left Memloci
        "airline": "I always fly with TAP, window seat",
        "notes": "",
    }
    assert status.startswith("Filled 12 fields.") and "1 withheld" in status, status
    assert scrolled == 0  # looking at the field below the fold left the page where it was
    assert events >= 12  # frameworks (React, Vue) see the change through input events
    # One approval, naming the extension and the page, for the three vault values chosen.
    assert len(approver.requests) == 1
    assert approver.requests[0].recipient == "Memloci browser extension"
    assert approver.requests[0].page == url
    assert sorted(approver.asked) == [
        ("Credit card number", "high"),
        ("Driving licence", "low"),
        ("Passport number", "medium"),
    ]
    log = memloci.autofill.disclosures(limit=100)
    vault = {(d.title, d.outcome) for d in log if d.memory_type == "vault"}
    assert vault == {
        ("Passport number", "disclosed"),
        ("Driving licence", "disclosed"),
        ("Credit card number", "withheld"),
    }
    assert {(d.channel, d.recipient, d.page) for d in log} == {
        ("browser", "Memloci browser extension", url)
    }


def test_without_a_side_panel_the_review_is_a_window_of_its_own(memloci, tmp_path: Path) -> None:
    """A Chromium without chrome.sidePanel: the review opens in the extension's own window
    (no page can draw there either), fills, and closes itself."""
    from tests.integration.cdp import chromium

    memloci.add(HUMAN, type="core", fields={"label": "human"})
    with (
        local_api(memloci) as server,
        local_site(tmp_path / "site", {"checkout.html": FORM}) as site,
        chromium(EXTENSION, tmp_path / "profile") as browser,
    ):
        paste_token(browser, memloci, server.port)
        without_side_panel(browser)
        page = browser.open(site + "checkout.html")
        page.wait_for("document.querySelector('memloci-autofill') !== null")
        review = open_review(browser, page, "#email")
        assert review.eval("new URLSearchParams(location.search).has('tab')")
        review.click_selector("#fill")
        page.wait_for("document.getElementById('email').value !== ''")
        values = values_of(page, "#checkout input")
        deadline = time.monotonic() + 10
        while any("review.html" in t["url"] for t in browser.targets()):
            assert time.monotonic() < deadline, "the review window stayed open"
            time.sleep(0.2)

    assert values["email"] == "ana.silva@example.pt" and values["given"] == "Ana"
    assert values["passport"] == ""  # nothing in the vault for it
