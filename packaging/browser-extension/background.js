// Memloci autofill: the service worker. It alone talks to the local API (and never to anything
// but http://127.0.0.1), keeps the form under review out of the page's reach (session storage,
// readable by the extension's own pages only), opens the review in the browser's side panel, and
// hands values to the page's content script only when the person presses Fill there.

const DEFAULT_PORT = 48620;
const TIMEOUT_MS = 120000; // the person may be answering an approval prompt in Memloci
const OWN = chrome.runtime.getURL("");

// The token is for the service worker and the options page only; content scripts run in web
// pages' processes and never need it (newer Chromium honours this for storage.local).
function setUp() {
  try {
    chrome.storage.local.setAccessLevel({ accessLevel: "TRUSTED_CONTEXTS" }).catch(() => {});
  } catch (error) {
    // older browsers: storage.local stays readable by content scripts, which do not read it
  }
  // The toolbar button opens the review too; it then reads the form in the tab.
  if (chrome.sidePanel) chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => {});
}

// The review, where no page can draw: the browser's side panel, or (a browser without one) a
// small window of the extension's own for this tab.
function openReview(tab) {
  if (chrome.sidePanel) return chrome.sidePanel.open({ tabId: tab.id });
  return chrome.windows.create({
    url: `review.html?tab=${tab.id}`,
    type: "popup",
    width: 420,
    height: 640,
    focused: true,
  });
}
chrome.action.onClicked.addListener((tab) => openReview(tab)); // only without a side panel
setUp();
chrome.runtime.onInstalled.addListener(setUp);

async function settings() {
  return chrome.storage.local.get({ token: "", port: DEFAULT_PORT });
}

async function call(path, body) {
  const { token, port } = await settings();
  if (!token) {
    throw new Error(
      "Paste your Memloci token in this extension's options (get it with: memloci serve --show-token)."
    );
  }
  let response;
  try {
    response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(
      `Memloci is not answering on port ${port}: start it (memloci serve, or enable the local API in the app).`
    );
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || `Memloci answered ${response.status}.`);
  }
  return data;
}

// -- the form under review, per tab --------------------------------------------------------------
const slot = (tabId) => `review:${tabId}`;

async function pending(tabId) {
  return (await chrome.storage.session.get(slot(tabId)))[slot(tabId)] || null;
}

async function forget(tabId) {
  await chrome.storage.session.remove(slot(tabId));
}

function clean(fields) {
  const text = (value, limit) => String(value || "").slice(0, limit);
  return (Array.isArray(fields) ? fields : []).slice(0, 200).map((f) => ({
    id: text(f.id, 80),
    label: text(f.label, 300),
    name: text(f.name, 300),
    type: text(f.type, 40),
    placeholder: text(f.placeholder, 300),
    autocomplete: text(f.autocomplete, 200),
  }));
}

function about(field) {
  const { id, ...rest } = field;
  return rest;
}

// What the page is, is what the browser says the tab shows, never what the page says.
function review(tab, found) {
  return {
    tabId: tab.id,
    url: tab.url || "",
    title: tab.title || "",
    fields: clean(found.fields),
    hidden: Math.min(10000, Math.max(0, Number(found.hidden) || 0)),
    answer: null,
  };
}

function announce(tabId) {
  chrome.runtime.sendMessage({ type: "memloci:reviewing", tabId }).catch(() => {});
}

// The form around the focused field, read by the content script, when the person asked from the
// browser's own UI (the toolbar button, the shortcut); null where no content script runs.
async function collect(tabId) {
  const tab = await chrome.tabs.get(tabId);
  try {
    const found = await chrome.tabs.sendMessage(tabId, { type: "memloci:collect" }, { frameId: 0 });
    return review(tab, found || {});
  } catch (error) {
    return null;
  }
}

// The review asks about the form: vault values stay sealed and nobody is asked yet. `fresh`:
// the person just opened the review, so read the form if none is waiting.
async function load(tabId, fresh) {
  let form = await pending(tabId);
  if (!form && fresh) form = await collect(tabId);
  if (!form) return { form: null };
  if (!form.answer && form.fields.length) {
    form.answer = await call("/v1/autofill", {
      page: { url: form.url, title: form.title },
      fields: form.fields.map(about),
      review: true,
    });
  }
  await chrome.storage.session.set({ [slot(tabId)]: form });
  const { answer, ...shown } = form;
  return { form: shown, answer };
}

// Fill: the picks name a field and one of its suggestions. Vault values are asked for now (the
// person approves in Memloci); the rest were already in the review's answer.
async function fill(tabId, picks) {
  const form = await pending(tabId);
  if (!form || !form.answer) throw new Error("This review is over; click Memloci's button in the form again.");
  const byId = new Map(form.fields.map((f, i) => [f.id, [f, form.answer.fields[i]]]));
  const items = [];
  const sealed = [];
  for (const pick of Array.isArray(picks) ? picks : []) {
    const [field, result] = byId.get(pick.id) || [];
    const suggestion = result && result.suggestions[Number(pick.choice)];
    if (!suggestion) continue;
    if (suggestion.value === null) sealed.push([field, suggestion]);
    else items.push({ id: field.id, value: suggestion.value, alternatives: suggestion.alternatives });
  }
  let withheld = 0;
  if (sealed.length) {
    const answer = await call("/v1/autofill", {
      page: { url: form.url, title: form.title },
      fields: sealed.map(([field, suggestion]) => ({ ...about(field), memory_id: suggestion.memory_id })),
    });
    answer.fields.forEach((result, i) => {
      const given = result.suggestions.find((s) => s.memory_id === sealed[i][1].memory_id && s.value !== null);
      if (given) items.push({ id: sealed[i][0].id, value: given.value, alternatives: given.alternatives });
      else withheld += 1;
    });
  }
  await forget(tabId);
  let done = { filled: 0, skipped: [] };
  if (items.length) {
    done = await chrome.tabs.sendMessage(tabId, { type: "memloci:fill", items }, { frameId: 0 });
  }
  return { filled: done.filled, skipped: done.skipped.length, withheld };
}

// -- messages --------------------------------------------------------------------------------------
function fromOwnPage(sender) {
  return typeof sender.url === "string" && sender.url.startsWith(OWN);
}

chrome.runtime.onMessage.addListener((message, sender, reply) => {
  if (sender.id !== chrome.runtime.id || !message || typeof message.type !== "string") {
    return false;
  }
  let work;
  if (message.type === "memloci:review" && sender.tab && !fromOwnPage(sender)) {
    // From the badge, on the person's click: open the side panel first, while the click counts.
    const tab = sender.tab;
    const form = review(tab, message);
    const saved = chrome.storage.session.set({ [slot(tab.id)]: form });
    const opened = openReview(tab);
    work = Promise.all([saved, opened]).then(
      () => announce(tab.id),
      async () => {
        await forget(tab.id); // not opened (no click of the person's behind it): nothing waits
        throw new Error("Memloci could not open its review here; use the toolbar button.");
      }
    );
  } else if (!fromOwnPage(sender)) {
    return false; // everything else is for the extension's own pages only
  } else if (message.type === "memloci:status") {
    work = call("/v1/status");
  } else if (message.type === "memloci:load") {
    work = load(message.tabId, Boolean(message.fresh));
  } else if (message.type === "memloci:fill") {
    work = fill(message.tabId, message.picks);
  } else if (message.type === "memloci:cancel") {
    work = forget(message.tabId);
  } else {
    return false;
  }
  work.then(
    (data) => reply({ ok: true, data }),
    (error) => reply({ ok: false, error: String(error.message || error) })
  );
  return true; // the reply comes later
});

// A review belongs to the document it was made on.
chrome.tabs.onUpdated.addListener((tabId, change) => {
  if (change.status === "loading") forget(tabId).then(() => announce(tabId));
});
chrome.tabs.onRemoved.addListener((tabId) => forget(tabId));

// The shortcut: open the review (at once, while the key press counts) on the form read afresh.
chrome.commands.onCommand.addListener((command, tab) => {
  if (command !== "fill-form" || !tab || tab.id === undefined) return;
  openReview(tab).catch(() => {});
  collect(tab.id).then(async (form) => {
    if (form) await chrome.storage.session.set({ [slot(tab.id)]: form });
    announce(tab.id);
  });
});
