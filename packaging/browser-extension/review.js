// Memloci autofill: the review, in the browser's side panel. Web pages cannot draw over it, script
// it, or click it, so what is filled is what the person leaves ticked here and sends with Fill.

const MASK = "••••••••";
const IDLE = "Click a form field on the page, then the blue M at its right edge (or press Alt+Shift+M).";
const $ = (id) => document.getElementById(id);
// In the side panel the review follows the window's active tab; in a window of its own (a
// browser without a side panel) it belongs to the tab that opened it.
const OWN_TAB = Number(new URLSearchParams(location.search).get("tab")) || null;
let tabId = null;
let rows = []; // [{ id, checkbox, select }]
let generation = 0; // a newer load wins over an older one still answering

async function activeTab() {
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function setStatus(message, state) {
  $("status").textContent = message;
  $("status").dataset.state = state;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch (error) {
    return "";
  }
}

function shown(suggestion) {
  if (suggestion.value === null) return `${MASK} ${suggestion.title} (Memloci asks you first)`;
  return String(suggestion.value).replace(/\s+/g, " ").slice(0, 90);
}

function note(...parts) {
  const p = document.createElement("p");
  for (const part of parts) {
    if (typeof part === "string") p.append(part);
    else {
      const code = document.createElement("code");
      code.textContent = part.code;
      p.append(code);
    }
  }
  $("notes").append(p);
}

function clear() {
  rows = [];
  $("rows").textContent = "";
  $("notes").textContent = "";
  $("fill").hidden = true;
  $("cancel").hidden = true;
}

function render(form, answer) {
  clear();
  $("page").textContent = hostOf(form.url);
  const unknown = [];
  form.fields.forEach((field, index) => {
    const result = answer.fields[index];
    const name = field.label || field.placeholder || field.name || result.key || "field";
    if (result.refused === "free-text") {
      unknown.push(name);
      return;
    }
    if (!result.suggestions.length) return;
    const row = document.createElement("label");
    row.className = "row";
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    checkbox.checked = true;
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = name;
    const select = document.createElement("select");
    result.suggestions.forEach((suggestion, choice) => {
      const option = document.createElement("option");
      option.value = String(choice);
      option.textContent = shown(suggestion);
      select.append(option);
    });
    row.append(checkbox, label, select);
    $("rows").append(row);
    rows.push({ id: field.id, checkbox, select });
  });
  if (form.hidden) {
    note(`${plural(form.hidden, "hidden field", "hidden fields")} on the page left out: you cannot see them there.`);
  }
  if (unknown.length) {
    const host = hostOf(form.url).split(":")[0] || "SITE";
    note(
      `${plural(unknown.length, "field", "fields")} not answered (${unknown.join(", ").slice(0, 200)}): ` +
        "on this site Memloci fills only the kinds of field it knows (name, e-mail, address, …). " +
        "To let it answer other fields here from matching memories, run ",
      { code: `memloci autofill sites --allow ${host}` },
      "."
    );
  }
  $("cancel").hidden = false;
  if (rows.length) {
    setStatus(`Memloci can fill ${plural(rows.length, "field", "fields")}. Untick what you do not want.`, "ready");
    $("fill").hidden = false;
    $("fill").disabled = false;
  } else {
    setStatus("Nothing in your memory fits this form.", "empty");
  }
}

// `fresh`: the panel has just been opened by the person, so read the tab's form if none waits;
// switching tabs or pages only shows a review that was asked for.
async function load(fresh = false) {
  const mine = ++generation;
  const tab = OWN_TAB ? await chrome.tabs.get(OWN_TAB).catch(() => null) : await activeTab();
  if (mine !== generation) return;
  clear();
  tabId = tab ? tab.id : null;
  $("page").textContent = tab ? hostOf(tab.url || "") : "";
  if (tabId === null) {
    setStatus(IDLE, "idle");
    return;
  }
  setStatus("Asking Memloci…", "loading");
  let reply;
  try {
    reply = await chrome.runtime.sendMessage({ type: "memloci:load", tabId, fresh });
  } catch (error) {
    reply = { ok: false, error: "The Memloci extension was reloaded; open the review again." };
  }
  if (mine !== generation) return;
  if (!reply || !reply.ok) {
    setStatus((reply && reply.error) || "Memloci did not answer.", "error");
  } else if (!reply.data.form) {
    setStatus(IDLE, "idle");
  } else if (!reply.data.form.fields.length) {
    $("page").textContent = hostOf(reply.data.form.url);
    setStatus("No field on this page that Memloci could fill (hidden fields are left out).", "empty");
  } else {
    render(reply.data.form, reply.data.answer);
  }
}

async function fill(event) {
  if (!event.isTrusted || tabId === null) return;
  const picks = rows
    .filter((row) => row.checkbox.checked)
    .map((row) => ({ id: row.id, choice: Number(row.select.value) }));
  $("fill").disabled = true;
  setStatus("Filling… Memloci may ask you to approve a vault value in its window.", "filling");
  const mine = ++generation;
  let reply;
  try {
    reply = await chrome.runtime.sendMessage({ type: "memloci:fill", tabId, picks });
  } catch (error) {
    reply = { ok: false, error: "The Memloci extension was reloaded; open the review again." };
  }
  if (mine !== generation) return;
  clear();
  if (!reply || !reply.ok) {
    setStatus((reply && reply.error) || "Memloci did not answer.", "error");
    return;
  }
  const { filled, skipped, withheld } = reply.data;
  const parts = [`Filled ${plural(filled, "field", "fields")}.`];
  if (withheld) parts.push(`${withheld} withheld (not approved in Memloci).`);
  if (skipped) parts.push(`${skipped} left alone: changed or hidden on the page since the review.`);
  setStatus(parts.join(" "), "done");
  if (OWN_TAB) setTimeout(() => window.close(), 2000); // a window of its own: done with it
}

async function cancel() {
  generation += 1;
  if (tabId !== null) await chrome.runtime.sendMessage({ type: "memloci:cancel", tabId }).catch(() => {});
  clear();
  setStatus(IDLE, "idle");
  if (OWN_TAB) window.close();
}

$("fill").addEventListener("click", fill);
$("cancel").addEventListener("click", cancel);
chrome.runtime.onMessage.addListener((message) => {
  if (message && message.type === "memloci:reviewing" && (tabId === null || message.tabId === tabId)) {
    load();
  }
});
chrome.tabs.onActivated.addListener(async (info) => {
  const here = await chrome.windows.getCurrent();
  if (!OWN_TAB && info.windowId === here.id) load();
});
load(true);
