// Options: the token and port of the local Memloci API, kept in the extension's own storage.
const DEFAULT_PORT = 48620;
const token = document.getElementById("token");
const port = document.getElementById("port");
const status = document.getElementById("status");

function say(message, error = false) {
  status.textContent = message;
  status.className = error ? "error" : "";
}

async function load() {
  const stored = await chrome.storage.local.get({ token: "", port: DEFAULT_PORT });
  token.value = stored.token;
  port.value = stored.port;
}

async function save() {
  const number = Number(port.value || DEFAULT_PORT);
  if (!Number.isInteger(number) || number < 1024 || number > 65535) {
    say("The port must be a number from 1024 to 65535.", true);
    return false;
  }
  await chrome.storage.local.set({ token: token.value.trim(), port: number });
  say("Saved.");
  return true;
}

async function test() {
  if (!(await save())) return;
  say("Asking Memloci…");
  const reply = await chrome.runtime.sendMessage({ type: "memloci:status" });
  if (reply && reply.ok) say(`Connected to Memloci ${reply.data.version}.`);
  else say((reply && reply.error) || "Memloci did not answer.", true);
}

document.getElementById("save").addEventListener("click", save);
document.getElementById("test").addEventListener("click", test);
load();
