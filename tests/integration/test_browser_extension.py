"""The browser extension end to end: Debian's Chromium (headless) with the unpacked extension,
a local test page with a checkout form, the real local API over a real store. The person pastes
the token in the options page, clicks into the form, clicks Memloci's badge, then Fill: the
fields end up holding the right memories, the approved vault value included and the refused
one left out."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api.server import ApiServer
from app.autofill.approval import ApprovalRequest, Decision
from app.settings import BROWSER_EXTENSION_ID

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium package"),
]

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "packaging" / "browser-extension"
HUMAN = """Name: Ana Maria Silva
E-mail: ana.silva@example.pt
Phone: +351 912 345 678
Address: Rua das Flores 12, 4050-262 Porto, Portugal
I was born on 12 April 1990."""
PASSPORT = "P1234567"
CARD = "4111 1111 1111 1111"

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
  <label for="card">Card number</label><input id="card" name="cc" autocomplete="off">
  <label for="airline">Favourite airline</label><textarea id="airline" name="airline"></textarea>
</form>
<script>
  window.inputEvents = 0;
  document.getElementById("checkout").addEventListener("input", (e) => {
    if (e.isTrusted === false) window.inputEvents += 1;
  });
</script>
</body></html>"""


class MediumOnly:
    """A scripted approver (a fake of the `Approver` protocol): the person allows medium
    sensitivity values and refuses high ones."""

    def __init__(self) -> None:
        self.requests: list[ApprovalRequest] = []

    def approve(self, request: ApprovalRequest) -> Decision:
        self.requests.append(request)
        return Decision(frozenset(i.memory_id for i in request.items if i.sensitivity == "medium"))


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return


@contextlib.contextmanager
def local_site(folder: Path) -> Iterator[str]:
    """The test page, served from 127.0.0.1 on a free port."""
    (folder / "checkout.html").write_text(FORM, encoding="utf-8")
    handler = functools.partial(_QuietFiles, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/checkout.html"
    finally:
        server.shutdown()
        server.server_close()


def test_the_extension_fills_a_form_from_memory(memloci, tmp_path: Path) -> None:
    from tests.integration.cdp import chromium

    memloci.add(HUMAN, type="core", fields={"label": "human"})
    memloci.add(
        "I always fly with TAP, window seat", type="semantic", fields={"name": "Favourite airline"}
    )
    for caption, secret, level in (
        ("Passport number", PASSPORT, "medium"),
        ("Credit card number", CARD, "high"),
    ):
        memloci.add(
            None,
            type="vault",
            fields={"caption": caption, "secret_value": secret, "sensitivity": level},
        )
    approver = MediumOnly()
    memloci.set_approver(approver)
    server = ApiServer(memloci, port=0)
    server.start()
    site = tmp_path / "site"
    site.mkdir()
    try:
        with local_site(site) as url, chromium(EXTENSION, tmp_path / "profile") as browser:
            base = f"chrome-extension://{BROWSER_EXTENSION_ID}/"
            browser.wait_for_target(base)  # the service worker: the id matches the manifest key

            # The person pastes the token and port in the options page.
            options = browser.open(base + "options.html")
            token = memloci.api_token()
            options.eval(
                f"document.getElementById('token').value = {json.dumps(token)};"
                f"document.getElementById('port').value = '{server.port}';"
                "document.getElementById('test').click(); true"
            )
            options.wait_for("document.getElementById('status').textContent.includes('Connected')")

            page = browser.open(url)
            page.wait_for("document.querySelector('memloci-autofill') !== null")
            # The page cannot reach the extension's elements.
            assert page.eval("document.querySelector('memloci-autofill').shadowRoot") is None
            # Nor can the content script (it runs in the page's process) read the token.
            world = page.extension_world("Memloci autofill")
            stolen = page.eval_in(
                world,
                "chrome.storage.local.get('token').then(x => x.token || '', e => 'refused')",
            )
            assert stolen == "refused"
            page.click_selector("#given")
            badge = page.wait_node("data-memloci", "badge")
            deadline = time.monotonic() + 10
            while "display: block" not in page.attributes(badge).get("style", ""):
                assert time.monotonic() < deadline, "the badge did not appear"
                time.sleep(0.1)
            panel = page.wait_node("data-memloci", "panel")
            page.click_node(badge)
            deadline = time.monotonic() + 30
            while (state := page.attributes(panel).get("data-state")) not in ("ready", "error"):
                assert time.monotonic() < deadline, f"the panel stayed {state}"
                time.sleep(0.1)
            status = page.text_of(page.wait_node("data-memloci", "status"))
            assert state == "ready", status
            assert "1 withheld" in status
            page.click_node(page.wait_node("data-memloci", "fill"))
            page.wait_for("document.getElementById('given').value !== ''", timeout=10)
            values = page.eval(
                "JSON.stringify(Object.fromEntries([...document.querySelectorAll("
                "'#checkout input, #checkout select, #checkout textarea')]"
                ".map(e => [e.id, e.value])))"
            )
            events = page.eval("window.inputEvents")
    finally:
        server.stop()

    assert json.loads(values) == {
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
        "card": "",  # high: refused, so it never left Memloci
        "airline": "I always fly with TAP, window seat",
    }
    assert events >= 11  # frameworks (React, Vue) see the change through input events
    # The approval named the extension and the page, and the log says who got what.
    assert approver.requests[0].recipient == "Memloci browser extension"
    assert approver.requests[0].page == url
    log = memloci.disclosures(limit=100)
    vault = {(d.title, d.outcome) for d in log if d.memory_type == "vault"}
    assert vault == {("Passport number", "disclosed"), ("Credit card number", "withheld")}
    assert {d.recipient for d in log} == {"Memloci browser extension"}
    assert {d.page for d in log} == {url}
