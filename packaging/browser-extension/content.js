// Memloci autofill: the content script. It runs inside web pages, and a page can hide fields,
// move the focus, and draw over anything in its own window. So: the M badge appears only after
// the person's own click or key in a field; a click on it counts only while nothing has covered
// it; only fields a person can see (visible, of a field's size, not covered) go for review; the
// review itself is in the browser's side panel (review.html), where no page can draw; and values
// arrive here only when the person presses Fill there, each field checked again before it is
// filled.

(() => {
  if (window.__memlociAutofill) return;
  window.__memlociAutofill = true;

  const TYPES = new Set(["", "text", "email", "tel", "url", "number", "date", "month", "search", "password"]);
  const MIN_WIDTH = 24; // px: narrower or lower than any field a person types in
  const MIN_HEIGHT = 12;
  const MIN_OPACITY = 0.5; // the field and its ancestors together
  const SETTLE_MS = 300; // the badge must have been in plain sight this long before a click
  const CHECK_MS = 200; // and stay so after it (the visibility reports lag by up to 100 ms)
  const DOCUMENT = crypto.randomUUID(); // ids of this page's fields mean nothing elsewhere

  let focused = null; // the field the badge belongs to
  let reviewed = new Map(); // id -> { element, about } of the fields sent for review
  let counter = 0;

  // -- which fields a person can see --------------------------------------------------------------
  function fillable(el) {
    if (el instanceof HTMLTextAreaElement) return !el.disabled && !el.readOnly;
    if (el instanceof HTMLSelectElement) return !el.disabled;
    if (el instanceof HTMLInputElement) {
      return TYPES.has((el.getAttribute("type") || "").toLowerCase()) && !el.disabled && !el.readOnly;
    }
    return false;
  }

  function parentOf(node) {
    if (node.parentElement) return node.parentElement;
    const root = node.getRootNode();
    return root instanceof ShadowRoot ? root.host : null;
  }

  function opacity(el) {
    let value = 1;
    for (let node = el; node && value >= MIN_OPACITY; node = parentOf(node)) {
      value *= Number(getComputedStyle(node).opacity);
    }
    return value;
  }

  function points(r) {
    const y = r.top + r.height / 2;
    return [[r.left + r.width / 2, y], [r.left + Math.min(12, r.width / 4), y]];
  }

  function onScreen(el) {
    return points(el.getBoundingClientRect()).every(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
  }

  // Covered: at the field's centre or near its left edge, the page shows something else on top
  // (the field's own label may sit there: floating labels do).
  function covered(el) {
    const root = el.getRootNode();
    const labels = [...(el.labels || [])];
    const own = (hit) => hit === el || el.contains(hit) || labels.some((l) => l === hit || l.contains(hit));
    return points(el.getBoundingClientRect()).some(([x, y]) => {
      const top = root.elementsFromPoint(x, y).find((hit) => hit !== host);
      return !top || !own(top);
    });
  }

  // Hit testing needs the field on screen: scroll it there, look, and scroll everything back in
  // the same task, so nothing is ever painted in between.
  function onScreenCheck(el, check) {
    if (onScreen(el)) return check();
    const saved = [];
    for (let node = parentOf(el); node; node = parentOf(node)) {
      if (node.scrollTop || node.scrollLeft || node.scrollHeight > node.clientHeight || node.scrollWidth > node.clientWidth) {
        saved.push([node, node.scrollLeft, node.scrollTop]);
      }
    }
    const [x, y] = [scrollX, scrollY];
    try {
      el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
      return onScreen(el) ? check() : "off-screen";
    } finally {
      for (const [node, left, top] of saved) node.scrollTo({ left, top, behavior: "instant" });
      window.scrollTo({ left: x, top: y, behavior: "instant" });
    }
  }

  // Why a person could not see the field ("" when they can).
  function unseen(el) {
    if (!el.isConnected) return "gone";
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) return "hidden";
    if (opacity(el) < MIN_OPACITY) return "hidden";
    const r = el.getBoundingClientRect();
    if (r.width < MIN_WIDTH || r.height < MIN_HEIGHT) return "tiny";
    return onScreenCheck(el, () => (covered(el) ? "covered" : ""));
  }

  // -- what a field says it is -----------------------------------------------------------------------
  function text(node) {
    return node ? (node.innerText || node.textContent || "").replace(/\s+/g, " ").trim() : "";
  }

  function labelOf(el) {
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    if (ids.length) {
      const joined = ids.map((id) => text(document.getElementById(id))).join(" ").trim();
      if (joined) return joined;
    }
    if (el.labels && el.labels.length) {
      const own = [...el.labels].map((l) => {
        const copy = l.cloneNode(true);
        copy.querySelectorAll("input, select, textarea").forEach((c) => c.remove());
        return text(copy);
      }).join(" ").trim();
      if (own) return own;
    }
    const aria = el.getAttribute("aria-label") || el.getAttribute("title");
    if (aria) return aria.trim();
    // A table cell or a text node just before the field.
    const prev = el.previousElementSibling;
    if (prev && !["INPUT", "SELECT", "TEXTAREA"].includes(prev.tagName)) return text(prev).slice(0, 120);
    const cell = el.closest("td");
    if (cell && cell.previousElementSibling) return text(cell.previousElementSibling).slice(0, 120);
    return "";
  }

  function describe(el) {
    return {
      label: labelOf(el).slice(0, 300),
      name: (el.getAttribute("name") || el.id || "").slice(0, 300),
      type: el instanceof HTMLInputElement ? (el.getAttribute("type") || "text").toLowerCase() : el.tagName.toLowerCase(),
      placeholder: (el.getAttribute("placeholder") || "").slice(0, 300),
      autocomplete: (el.getAttribute("autocomplete") || "").slice(0, 200),
    };
  }

  function same(a, b) {
    return Object.keys(a).every((k) => a[k] === b[k]);
  }

  // The form around `anchor` (or the page's fields): those a person can see go for review.
  function collect(anchor) {
    const form = anchor && anchor.form;
    const all = form ? [...form.elements] : [...document.querySelectorAll("input, select, textarea")];
    if (reviewed.size > 2000) reviewed = new Map(); // earlier reviews' ids stay good until then
    const fields = [];
    let hidden = 0;
    for (const el of all) {
      if (!fillable(el)) continue;
      if (unseen(el)) {
        hidden += 1;
        continue;
      }
      if (fields.length >= 200) break;
      const id = `${DOCUMENT}:${++counter}`;
      const about = describe(el);
      reviewed.set(id, { element: el, about });
      fields.push({ id, ...about });
    }
    return { fields, hidden };
  }

  // -- filling, when the person pressed Fill in the review ---------------------------------------
  function setValue(el, item) {
    const wanted = [item.value, ...(item.alternatives || [])].map((v) => String(v).trim().toLowerCase());
    if (el instanceof HTMLSelectElement) {
      const option = [...el.options].find(
        (o) => wanted.includes(o.value.trim().toLowerCase()) || wanted.includes(o.text.trim().toLowerCase())
      );
      if (!option) return false;
      el.value = option.value;
    } else {
      const value = String(item.value);
      if (el.type === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
      // The prototype's setter, so frameworks that track the value (React, Vue) see the change.
      const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  // Each field again: still the one reviewed, still seen, still described the same way.
  function fill(items) {
    let filled = 0;
    const skipped = [];
    for (const item of items) {
      const entry = reviewed.get(item.id);
      const why = !entry ? "gone" : unseen(entry.element) || (same(entry.about, describe(entry.element)) ? "" : "changed");
      if (why) skipped.push({ id: item.id, why });
      else if (setValue(entry.element, item)) filled += 1;
      else skipped.push({ id: item.id, why: "no-option" });
    }
    reviewed = new Map();
    hideBadge();
    return { filled, skipped };
  }

  // -- the badge (a closed shadow root, out of the page's reach) --------------------------------------
  const host = document.createElement("memloci-autofill");
  host.style.cssText = "all: initial; position: fixed; top: 0; left: 0; z-index: 2147483647;";
  const root = host.attachShadow({ mode: "closed" });
  root.innerHTML = `
    <style>
      :host { all: initial; }
      * { box-sizing: border-box; font: 12px/1.35 system-ui, sans-serif; }
      .badge { position: fixed; width: 22px; height: 22px; border-radius: 5px; border: 0;
        background: #2e5eaa; color: #fff; font-weight: 700; font-size: 13px; cursor: pointer;
        display: none; padding: 0; }
      .tip { position: fixed; display: none; max-width: 280px; background: #1d1d1f; color: #fff;
        border-radius: 5px; padding: 5px 8px; }
    </style>
    <button class="badge" data-memloci="badge" title="Review and fill this form with Memloci">M</button>
    <div class="tip" data-memloci="tip" role="status"></div>`;
  const badge = root.querySelector('[data-memloci="badge"]');
  const tip = root.querySelector('[data-memloci="tip"]');
  // Beside <body>, not in it: a page's transform, filter or opacity on its body does not reach
  // the badge (they would make it count as covered).
  document.documentElement.appendChild(host);

  let visibleSince = null; // when the badge was last seen uncovered and whole (null: it is not)
  let hiddenAt = 0; // when it was last seen covered, faded or moved away
  // Intersection Observer v2: "visible" means nothing drawn over it, no opacity, no filter.
  new IntersectionObserver(
    (entries) => {
      const entry = entries[entries.length - 1];
      const now = performance.now();
      if (entry.isVisible) {
        if (visibleSince === null) visibleSince = now;
      } else {
        visibleSince = null;
        hiddenAt = now;
      }
      badge.dataset.visible = String(entry.isVisible);
    },
    { trackVisibility: true, delay: 100 }
  ).observe(badge);

  function placeBadge() {
    if (!focused || !focused.isConnected || !focused.checkVisibility()) {
      hideBadge();
      return;
    }
    const r = focused.getBoundingClientRect();
    badge.style.left = `${Math.max(0, r.right - 26)}px`;
    badge.style.top = `${r.top + Math.max(0, (r.height - 22) / 2)}px`;
    badge.style.display = "block";
  }

  function hideBadge() {
    focused = null;
    badge.style.display = "none";
    tip.style.display = "none";
  }

  function say(message) {
    const r = badge.getBoundingClientRect();
    tip.textContent = message;
    tip.style.left = `${Math.max(4, Math.min(r.left - 120, innerWidth - 290))}px`;
    tip.style.top = `${r.bottom + 6}px`;
    tip.style.display = "block";
    setTimeout(() => (tip.style.display = "none"), 5000);
  }

  function deepActive() {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  }

  // Only the person's own click or key in a field shows the badge: a page can focus a field
  // itself (focus events from script are trusted too), but cannot make these.
  function arm(event) {
    if (!event.isTrusted) return;
    const el = event.composedPath()[0];
    if (el instanceof Element && fillable(el) && deepActive() === el && !unseen(el)) {
      focused = el;
      placeBadge();
    }
  }
  window.addEventListener("pointerup", arm, true);
  window.addEventListener("keyup", arm, true);
  window.addEventListener(
    "focusin",
    (event) => {
      const el = event.composedPath()[0];
      if (el !== host && el !== focused) hideBadge();
    },
    true
  );
  window.addEventListener("scroll", placeBadge, true);
  window.addEventListener("resize", placeBadge);
  badge.addEventListener("mousedown", (event) => event.preventDefault()); // keep the field focused

  function uncovered(since) {
    return visibleSince !== null && since - visibleSince >= SETTLE_MS && hiddenAt < since;
  }

  badge.addEventListener("click", (event) => {
    if (!event.isTrusted || !focused) return;
    const at = performance.now();
    const anchor = focused;
    if (!uncovered(at)) {
      say("Something on the page covers Memloci's button; use the toolbar button or Alt+Shift+M.");
      return;
    }
    // Judge once the visibility reports for the moment of the click are in.
    setTimeout(async () => {
      if (!uncovered(at)) {
        say("Something on the page covers Memloci's button; use the toolbar button or Alt+Shift+M.");
        return;
      }
      const { fields, hidden } = collect(anchor);
      let reply;
      try {
        reply = await chrome.runtime.sendMessage({ type: "memloci:review", fields, hidden });
      } catch (error) {
        reply = { ok: false, error: "The Memloci extension was reloaded; reload this page." };
      }
      if (!reply || !reply.ok) say((reply && reply.error) || "Memloci did not answer.");
    }, CHECK_MS);
  });

  chrome.runtime.onMessage.addListener((message, sender, reply) => {
    if (sender.id !== chrome.runtime.id || !message) return false;
    if (message.type === "memloci:collect") {
      const active = deepActive();
      reply(collect(active && fillable(active) ? active : null));
    } else if (message.type === "memloci:fill" && Array.isArray(message.items)) {
      reply(fill(message.items));
    }
    return false;
  });
})();
