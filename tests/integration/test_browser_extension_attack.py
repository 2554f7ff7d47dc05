"""The red-team's attack on the browser extension (issue 13, item 2), end to end in headless
Chromium with the real extension and the real local API.

A newsletter page shows one e-mail field and hides four more beside it (off-screen, opacity 0,
1x1 px) labelled "Sister", "Gym locker code", "Phone" and "Home address". It focuses the e-mail
field itself, draws a "Subscribe" decoy over Memloci's badge that lets clicks through, then
covers Memloci's review with a curtain whose "Confirm" sits where Fill is. The person only ever
clicks what the page shows. Nothing may reach the page, and the disclosure log must say so.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from app.settings import BROWSER_EXTENSION_ID
from tests.integration.extension_driver import (
    EXTENSION,
    REVIEW,
    Approves,
    badge_shown,
    local_api,
    local_site,
    open_review,
    paste_token,
    values_of,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium package"),
]

HUMAN = """Name: Ana Maria Silva
E-mail: ana.silva@example.pt
Phone: +351 912 345 678
Address: Rua das Flores 12, 4050-262 Porto, Portugal"""
SISTER = "My sister Marta lives in Braga and works at the hospital"
LOCKER = "4471"

SIGNUP = """<!doctype html>
<html><head><meta charset="utf-8"><title>Free coffee: join our newsletter</title>
<style>
  body { font: 16px system-ui, sans-serif; margin: 40px; }
  #email { width: 320px; height: 30px; font-size: 16px; }
  .offscreen { position: absolute; left: -10000px; top: 0; }
  .ghost { position: absolute; left: 40px; width: 240px; opacity: 0; }
  .speck { position: absolute; left: 8px; top: 8px; width: 1px; height: 1px; padding: 0;
    border: 0; }
  .trap { position: fixed; inset: auto; margin: 0; padding: 0; border: 0; overflow: hidden;
    pointer-events: none; }
  #decoy { background: #d33; color: #fff; font-weight: 700; display: grid;
    place-items: center; }
  #curtain { background: #fff; }
  #confirm { position: absolute; width: 90px; height: 34px; background: #2a7; color: #fff;
    display: grid; place-items: center; }
</style></head>
<body>
<h1>Free coffee for subscribers</h1>
<form id="signup">
  <label for="email">E-mail</label> <input id="email" type="email" name="email">
  <div class="offscreen"><label for="sister">Sister</label><input id="sister" name="sister"></div>
  <input id="locker" class="ghost" style="top: 260px" aria-label="Gym locker code">
  <input id="phone" class="speck" aria-label="Phone">
  <input id="home" class="ghost" style="top: 300px" aria-label="Home address">
</form>
<div id="decoy" class="trap" popover="manual">Subscribe</div>
<div id="curtain" class="trap" popover="manual"><p>Almost there!</p>
  <div id="confirm">Confirm</div></div>
<script>
  window.stolen = {};
  document.getElementById("signup").addEventListener("input", (e) => {
    window.stolen[e.target.id] = e.target.value;
  });
  function box(el, x, y, w, h) {
    Object.assign(el.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`,
      height: `${h}px` });
  }
  const email = document.getElementById("email");
  const decoy = document.getElementById("decoy");
  // Once Memloci's content script is in the page, focus the field (the person never clicked
  // it) and draw the decoy over the badge's spot, in the top layer: above any z-index.
  const start = setInterval(() => {
    if (!document.querySelector("memloci-autofill")) return;
    clearInterval(start);
    email.focus();
    const r = email.getBoundingClientRect();
    box(decoy, r.right - 70, r.top - 6, 100, r.height + 12);
    decoy.showPopover();
    window.trapped = true;
  }, 50);
  // The curtain covers the whole window; its "Confirm" is drawn where the attacker knows
  // Memloci's button to be, and lets the click through to it.
  window.aim = (x, y) => {
    const curtain = document.getElementById("curtain");
    box(curtain, 0, 0, innerWidth, innerHeight);
    box(document.getElementById("confirm"), x - 45, y - 17, 90, 34);
    curtain.showPopover();
  };
  window.clearTraps = () => {
    for (const id of ["decoy", "curtain"]) {
      const el = document.getElementById(id);
      if (el.matches(":popover-open")) el.hidePopover();
    }
  };
  // The same questions, asked in the open: what would Memloci answer a visible form?
  window.revealAll = () => {
    for (const id of ["sister", "locker", "phone", "home"]) {
      const el = document.getElementById(id);
      el.className = "";
      el.removeAttribute("style");
      document.getElementById("signup").append(document.createElement("br"), el);
    }
    document.querySelector(".offscreen").className = "";
  };
</script>
</body></html>"""


def _store(memloci) -> dict[str, str]:
    ids = {"human": memloci.add(HUMAN, type="core", fields={"label": "human"}).id}
    ids["sister"] = memloci.add(SISTER, type="semantic", fields={"name": "Sister"}).id
    ids["locker"] = memloci.add(
        None,
        type="vault",
        fields={"caption": "Gym locker code", "secret_value": LOCKER, "sensitivity": "low"},
    ).id
    return ids


def _in_page_fill(page) -> tuple[float, float] | None:
    """Where Memloci's own Fill button is drawn inside the page, if it draws one there."""
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        node = page.find("data-memloci", "fill")
        if node is not None and "disabled" not in page.attributes(node):
            quad = page.send("DOM.getBoxModel", {"backendNodeId": node})["model"]["content"]
            return sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
        time.sleep(0.2)
    return None


def test_a_hostile_page_gets_nothing_from_the_extension(memloci, tmp_path: Path) -> None:
    from tests.integration.cdp import chromium

    ids = _store(memloci)
    approver = Approves("low", "medium", "high")  # even a person who says yes to everything
    memloci.autofill.set_approver(approver)
    fields = "#signup input"
    with (
        local_api(memloci) as server,
        local_site(tmp_path / "site", {"signup.html": SIGNUP}) as site,
        chromium(EXTENSION, tmp_path / "profile") as browser,
    ):
        paste_token(browser, memloci, server.port)
        page = browser.open(site + "signup.html")
        page.wait_for("window.trapped === true")
        time.sleep(1.0)  # time for a badge to appear, were focus alone enough
        badge_on_focus = badge_shown(page)

        # The attack: the person clicks "Subscribe" (the badge's spot), then "Confirm", placed
        # where Memloci's Fill button is or, with no Fill in the page, on the badge again.
        page.click_selector("#decoy")
        spot = _in_page_fill(page)
        if spot is None:
            page.eval(
                "(() => { const r = document.getElementById('decoy').getBoundingClientRect();"
                " aim(r.left + r.width - 40, r.top + r.height / 2); })()"
            )
        else:
            page.eval(f"aim({spot[0]}, {spot[1]})")
        time.sleep(0.3)
        page.click_selector("#confirm")
        time.sleep(2.0)
        stolen = page.eval("JSON.stringify(window.stolen)")
        after_attack = values_of(page, fields)
        review_opened = any(t["url"].startswith(REVIEW) for t in browser.targets())
        # The click on "Subscribe" went through to the field itself, a real click in it, so the
        # badge did appear, under the decoy; the click on "Confirm" reached it and was refused.
        tip = page.find("data-memloci", "tip")
        refused = tip is not None and "display: block" in page.attributes(tip).get("style", "")
        refusal = page.text_of(tip) if tip is not None else ""
        log_after_attack = memloci.autofill.disclosures(limit=100)
        page.eval("clearTraps()")

        assert stolen == "{}", f"the page read {stolen}"
        assert set(after_attack.values()) == {""}, after_attack
        assert log_after_attack == [], [(d.purpose, d.outcome) for d in log_after_attack]
        assert approver.requests == []
        assert not badge_on_focus, "the badge appeared when the page focused the field"
        assert not review_opened, "a click on the covered badge opened Memloci's review"
        assert refused and "covers Memloci's button" in refusal, refusal

        # The person now clicks into the e-mail field and on the badge themselves: the review
        # (in the browser's side panel) offers the visible field only, and Fill fills just it.
        review = open_review(browser, page, "#email")
        assert review.eval("document.querySelectorAll('#rows .row').length") == 1
        assert review.eval("document.querySelector('#rows .row .label').textContent") == "E-mail"
        assert "4 hidden fields" in review.eval("document.getElementById('notes').textContent")
        review.click_selector("#fill")
        review.wait_for("document.getElementById('status').dataset.state === 'done'")
        page.wait_for("document.getElementById('email').value !== ''")
        filled = values_of(page, fields)
        stolen = page.eval("JSON.stringify(window.stolen)")

        # Shown in the open, the same labels get only what a form may ask for: the person's
        # own phone and address, offered for review; "Sister" and "Gym locker code" are not
        # kinds of field, so they are no query into the memory, nor into the vault.
        page.eval("revealAll(); document.activeElement.blur(); true")
        review = open_review(browser, page, "#email")
        offered = review.eval(
            "JSON.stringify([...document.querySelectorAll('#rows .row .label')]"
            ".map(e => e.textContent))"
        )
        refused = review.eval("document.getElementById('notes').textContent")
        review.click_selector("#fill")
        review.wait_for("document.getElementById('status').dataset.state === 'done'")
        page.wait_for("document.getElementById('phone').value !== ''")
        open_values = values_of(page, fields)

    assert filled == {"email": "ana.silva@example.pt", "sister": "", "locker": "", "phone": "",
                      "home": ""}  # fmt: skip
    assert stolen == '{"email":"ana.silva@example.pt"}'
    assert offered == '["E-mail","Phone","Home address"]'
    assert "2 fields" in refused
    assert open_values["sister"] == "" and open_values["locker"] == ""
    assert open_values["phone"] == "+351 912 345 678"
    assert open_values["home"] == "Rua das Flores 12, 4050-262 Porto, Portugal"
    assert approver.requests == []  # the vault entry was never even matched
    log = memloci.autofill.disclosures(limit=100)
    assert {d.memory_id for d in log} == {ids["human"]}
    assert {(d.channel, d.outcome) for d in log} == {("browser", "disclosed")}


def test_the_toolbar_button_reviews_only_what_the_person_can_see(memloci, tmp_path: Path) -> None:
    """Opened from the browser's own toolbar (no badge, no click in the page), the review reads
    the form around the field the page focused, and still leaves the hidden fields out."""
    from tests.integration.cdp import chromium

    ids = _store(memloci)
    with (
        local_api(memloci) as server,
        local_site(tmp_path / "site", {"signup.html": SIGNUP}) as site,
        chromium(EXTENSION, tmp_path / "profile") as browser,
    ):
        paste_token(browser, memloci, server.port)
        url = site + "signup.html"
        page = browser.open(url)
        page.wait_for("window.trapped === true")
        page.eval("clearTraps()")
        browser.press_toolbar_button(BROWSER_EXTENSION_ID, url)
        review = browser.attach(REVIEW)
        review.wait_for("document.getElementById('status').dataset.state === 'ready'", 30)
        labels = review.eval(
            "[...document.querySelectorAll('#rows .row .label')].map(e => e.textContent).join()"
        )
        notes = review.eval("document.getElementById('notes').textContent")
        review.click_selector("#fill")
        review.wait_for("document.getElementById('status').dataset.state === 'done'")
        page.wait_for("document.getElementById('email').value !== ''")
        stolen = page.eval("JSON.stringify(window.stolen)")

    assert labels == "E-mail" and "4 hidden fields" in notes
    assert stolen == '{"email":"ana.silva@example.pt"}'
    log = memloci.autofill.disclosures(limit=100)
    assert {(d.memory_id, d.channel, d.page) for d in log} == {(ids["human"], "browser", url)}
