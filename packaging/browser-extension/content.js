// Memloci autofill: the content script. It reads the form's fields (labels, autocomplete
// tokens, names, placeholders), asks Memloci through the service worker, shows what it would
// fill, and fills only when the person clicks. Its own elements live in a closed shadow root,
// and it acts only on trusted (real) clicks, so the page can neither read the offered values
// before they are filled nor click "Fill" itself.

(() => {
  if (window.__memlociAutofill) return;
  window.__memlociAutofill = true;

  const TYPES = new Set(["", "text", "email", "tel", "url", "number", "date", "month", "search", "password"]);
  const MASK = "••••••••";
  let focused = null; // the field the badge belongs to
  let rows = []; // [{element, suggestions, checkbox, select}]

  // -- reading the form -------------------------------------------------------------------------
  function fillable(el) {
    if (el instanceof HTMLTextAreaElement) return !el.disabled && !el.readOnly;
    if (el instanceof HTMLSelectElement) return !el.disabled;
    if (el instanceof HTMLInputElement) {
      return TYPES.has((el.getAttribute("type") || "").toLowerCase()) && !el.disabled && !el.readOnly;
    }
    return false;
  }

  function visible(el) {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  }

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
    let prev = el.previousElementSibling;
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

  function formFields(anchor) {
    const scope = (anchor && anchor.form) || document;
    return [...scope.querySelectorAll("input, select, textarea")].filter((f) => fillable(f) && visible(f)).slice(0, 200);
  }

  // -- filling ---------------------------------------------------------------------------------------
  function setValue(el, suggestion) {
    const wanted = [suggestion.value, ...(suggestion.alternatives || [])].map((v) => String(v).trim().toLowerCase());
    if (el instanceof HTMLSelectElement) {
      const option = [...el.options].find(
        (o) => wanted.includes(o.value.trim().toLowerCase()) || wanted.includes(o.text.trim().toLowerCase())
      );
      if (!option) return false;
      el.value = option.value;
    } else {
      let value = suggestion.value;
      if (el.type === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
      // The prototype's setter, so frameworks that track the value (React, Vue) see the change.
      const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  // -- our elements (closed shadow root) ------------------------------------------------------------
  const host = document.createElement("memloci-autofill");
  host.style.cssText = "all: initial; position: fixed; top: 0; left: 0; z-index: 2147483647;";
  const root = host.attachShadow({ mode: "closed" });
  root.innerHTML = `
    <style>
      :host { all: initial; }
      * { box-sizing: border-box; font: 13px/1.35 system-ui, sans-serif; }
      .badge { position: fixed; width: 22px; height: 22px; border-radius: 5px; border: 0;
        background: #2e5eaa; color: #fff; font-weight: 700; cursor: pointer; display: none; padding: 0; }
      .panel { position: fixed; width: 380px; max-height: 70vh; overflow: auto; display: none;
        background: #fff; color: #1d1d1f; border: 1px solid #c9ced6; border-radius: 8px;
        box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 10px; }
      .head { font-weight: 600; margin-bottom: 6px; }
      .row { display: grid; grid-template-columns: 18px 1fr; gap: 2px 6px; align-items: center; margin: 5px 0; }
      .row .label { color: #555; font-size: 12px; }
      .row select { grid-column: 2; width: 100%; }
      .status { color: #555; margin: 6px 0; }
      .status.error { color: #b3261e; }
      .buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 8px; }
      button.primary { background: #2e5eaa; color: #fff; border: 0; border-radius: 5px; padding: 5px 14px; cursor: pointer; }
      button.secondary { background: #eef0f3; border: 0; border-radius: 5px; padding: 5px 12px; cursor: pointer; }
    </style>
    <button class="badge" data-memloci="badge" title="Fill from Memloci">M</button>
    <div class="panel" data-memloci="panel" data-state="closed">
      <div class="head">Memloci</div>
      <div class="status" data-memloci="status"></div>
      <div data-memloci="rows"></div>
      <div class="buttons">
        <button class="secondary" data-memloci="cancel">Cancel</button>
        <button class="primary" data-memloci="fill" disabled>Fill</button>
      </div>
    </div>`;
  const $ = (name) => root.querySelector(`[data-memloci="${name}"]`);
  const badge = $("badge");
  const panel = $("panel");
  const statusLine = $("status");
  const rowsBox = $("rows");
  const fillButton = $("fill");
  (document.body || document.documentElement).appendChild(host);

  function placeBadge() {
    if (!focused || !document.contains(focused) || !visible(focused)) {
      badge.style.display = "none";
      return;
    }
    const r = focused.getBoundingClientRect();
    badge.style.left = `${Math.max(0, r.right - 26)}px`;
    badge.style.top = `${r.top + Math.max(0, (r.height - 22) / 2)}px`;
    badge.style.display = "block";
  }

  function placePanel(anchor) {
    const r = anchor ? anchor.getBoundingClientRect() : { left: 20, bottom: 20 };
    const left = Math.min(Math.max(8, r.left), window.innerWidth - 388);
    const top = Math.min(r.bottom + 6, Math.max(8, window.innerHeight - 320));
    panel.style.left = `${left}px`;
    panel.style.top = `${top}px`;
  }

  function setStatus(message, state, error = false) {
    statusLine.textContent = message;
    statusLine.classList.toggle("error", error);
    panel.setAttribute("data-state", state);
  }

  function closePanel() {
    panel.style.display = "none";
    panel.setAttribute("data-state", "closed");
    rowsBox.textContent = "";
    rows = [];
  }

  function shown(suggestion) {
    const value = suggestion.memory_type === "vault" ? `${MASK} ${suggestion.title}` : suggestion.value;
    return String(value).replace(/\s+/g, " ").slice(0, 70);
  }

  function render(fields, response) {
    rowsBox.textContent = "";
    rows = [];
    let withheld = 0;
    for (const result of response.fields) {
      const element = fields[result.field];
      withheld += (result.withheld || []).length;
      if (!element || !result.suggestions.length) continue;
      const row = document.createElement("label");
      row.className = "row";
      const checkbox = document.createElement("input");
      checkbox.type = "checkbox";
      checkbox.checked = true;
      const label = document.createElement("span");
      label.className = "label";
      const about = describe(element);
      label.textContent = about.label || about.placeholder || about.name || result.key || "field";
      const select = document.createElement("select");
      result.suggestions.forEach((s, i) => {
        const option = document.createElement("option");
        option.value = String(i);
        option.textContent = shown(s);
        select.appendChild(option);
      });
      row.append(checkbox, label, select);
      rowsBox.appendChild(row);
      rows.push({ element, suggestions: result.suggestions, checkbox, select });
    }
    const note = withheld ? ` ${withheld} withheld (not approved in Memloci).` : "";
    if (rows.length) {
      setStatus(`Memloci can fill ${rows.length} field${rows.length === 1 ? "" : "s"}.${note}`, "ready");
      fillButton.disabled = false;
    } else {
      setStatus(`Nothing in your memory fits this form.${note}`, "empty");
      fillButton.disabled = true;
    }
  }

  async function openPanel(anchor) {
    const fields = formFields(anchor);
    if (!fields.length) return;
    placePanel(anchor || fields[0]);
    panel.style.display = "block";
    fillButton.disabled = true;
    rowsBox.textContent = "";
    setStatus("Asking Memloci… (it may ask you to approve in its window)", "loading");
    let reply;
    try {
      reply = await chrome.runtime.sendMessage({ type: "memloci:autofill", fields: fields.map(describe) });
    } catch (error) {
      reply = { ok: false, error: "The Memloci extension was reloaded; reload this page." };
    }
    if (!reply || !reply.ok) {
      setStatus((reply && reply.error) || "Memloci did not answer.", "error", true);
      return;
    }
    render(fields, reply.data);
  }

  function fill() {
    let count = 0;
    for (const row of rows) {
      if (!row.checkbox.checked) continue;
      const suggestion = row.suggestions[Number(row.select.value)];
      if (suggestion && setValue(row.element, suggestion)) count += 1;
    }
    closePanel();
    badge.style.display = "none";
    return count;
  }

  // -- events ------------------------------------------------------------------------------------------
  document.addEventListener(
    "focusin",
    (event) => {
      const el = event.target;
      if (el === host) return;
      if (fillable(el)) {
        focused = el;
        placeBadge();
      }
    },
    true
  );
  window.addEventListener("scroll", placeBadge, true);
  window.addEventListener("resize", placeBadge);
  badge.addEventListener("mousedown", (event) => event.preventDefault()); // keep the field focused
  badge.addEventListener("click", (event) => {
    if (!event.isTrusted) return;
    openPanel(focused);
  });
  fillButton.addEventListener("click", (event) => {
    if (!event.isTrusted) return;
    fill();
  });
  $("cancel").addEventListener("click", closePanel);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.style.display === "block") closePanel();
  });
  chrome.runtime.onMessage.addListener((message) => {
    if (message && message.type === "memloci:open") {
      const active = document.activeElement;
      openPanel(fillable(active) ? active : formFields(null)[0] || null);
    }
  });
})();
