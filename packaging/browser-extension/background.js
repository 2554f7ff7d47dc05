// Memloci autofill: the service worker. It alone talks to the local API (content scripts run
// inside web pages' processes and would be subject to their CORS rules); it never sends
// anything anywhere but http://127.0.0.1.

const DEFAULT_PORT = 48620;
const TIMEOUT_MS = 120000; // the person may be answering an approval prompt in Memloci

// The token is for the service worker and the options page only; content scripts run in web
// pages' processes and never need it (newer Chromium honours this for storage.local).
function restrictStorage() {
  try {
    chrome.storage.local.setAccessLevel({ accessLevel: "TRUSTED_CONTEXTS" }).catch(() => {});
  } catch (error) {
    // older browsers: storage.local stays readable by content scripts, which do not read it
  }
}
restrictStorage();
chrome.runtime.onInstalled.addListener(restrictStorage);

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

chrome.runtime.onMessage.addListener((message, sender, reply) => {
  if (sender.id !== chrome.runtime.id || !message || typeof message.type !== "string") {
    return false;
  }
  let work;
  if (message.type === "memloci:autofill") {
    // The page is what the browser says the tab shows, not what the page says it is.
    const page = {
      url: (sender.tab && sender.tab.url) || (sender.url || ""),
      title: (sender.tab && sender.tab.title) || "",
    };
    work = call("/v1/autofill", { page, fields: message.fields });
  } else if (message.type === "memloci:status") {
    work = call("/v1/status");
  } else {
    return false;
  }
  work.then(
    (data) => reply({ ok: true, data }),
    (error) => reply({ ok: false, error: String(error.message || error) })
  );
  return true; // the reply comes later
});

function openIn(tab) {
  if (tab && tab.id !== undefined) {
    chrome.tabs.sendMessage(tab.id, { type: "memloci:open" }).catch(() => {});
  }
}

chrome.action.onClicked.addListener(openIn);
chrome.commands.onCommand.addListener((command, tab) => {
  if (command === "fill-form") openIn(tab);
});
