"""The local API over real HTTP on 127.0.0.1: token, Host and Origin checks, rate limit, body
validation, the endpoints, and a vault value that only leaves with approval."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from app.api.guard import RateLimiter, host_allowed, origin_allowed, token_matches
from app.api.server import ApiServer
from app.errors import ConfigError
from app.settings import BROWSER_EXTENSION_ID
from tests.unit.test_autofill_service import PASSPORT, ScriptedApprover

EXTENSION = f"chrome-extension://{BROWSER_EXTENSION_ID}"
OTHER_EXTENSION = "chrome-extension://" + "b" * 32


@pytest.fixture
def api(memloci) -> Iterator[ApiServer]:
    memloci.add("Name: Ana Silva\nEmail: ana@example.pt", type="core", fields={"label": "human"})
    memloci.add(
        None,
        type="vault",
        fields={"caption": "Passport number", "secret_value": PASSPORT, "sensitivity": "medium"},
    )
    server = ApiServer(memloci, port=0)
    server.start()
    yield server
    server.stop()


def request(
    server: ApiServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = "default",
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """One HTTP request; returns (status, JSON body, headers). Host is set explicitly."""
    sent = {"Host": f"127.0.0.1:{server.port}"}
    if token == "default":
        token = server.memloci.api_token()
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        payload = response.read()
        parsed = json.loads(payload) if payload else {}
        return response.status, parsed, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


FORM = {
    "page": {"url": "https://shop.example/checkout", "title": "Checkout"},
    "fields": [
        {"label": "Email", "name": "email", "type": "email"},
        {"label": "", "name": "fname", "autocomplete": "given-name"},
        {"label": "Passport no.", "name": "passport"},
    ],
}


def test_status_and_autofill(api: ApiServer) -> None:
    status, body, headers = request(api, "GET", "/v1/status")
    assert status == 200 and body["ok"] is True and body["caller"] == "a local program"
    assert headers["cache-control"] == "no-store"
    status, body, _ = request(api, "POST", "/v1/autofill", FORM)
    assert status == 200
    fields = body["fields"]
    assert fields[0]["suggestions"][0]["value"] == "ana@example.pt"
    assert set(fields[0]["suggestions"][0]) >= {"value", "memory_id", "sensitivity", "confidence"}
    assert fields[1]["suggestions"][0]["value"] == "Ana"
    # No approver is installed: the passport number stays home.
    assert fields[2]["suggestions"] == []
    assert fields[2]["withheld"][0]["sensitivity"] == "medium"
    assert PASSPORT not in json.dumps(body)


def test_vault_values_leave_only_with_approval(api: ApiServer) -> None:
    approver = ScriptedApprover("denied")
    api.memloci.autofill.set_approver(approver)
    status, body, _ = request(api, "POST", "/v1/autofill", FORM, headers={"Origin": EXTENSION})
    assert status == 200 and PASSPORT not in json.dumps(body)
    assert approver.requests[0].recipient == "Memloci browser extension"
    assert approver.requests[0].page == "https://shop.example/checkout"
    approver.answer = "allow"
    status, body, headers = request(
        api, "POST", "/v1/autofill", FORM, headers={"Origin": EXTENSION}
    )
    assert body["fields"][2]["suggestions"][0]["value"] == PASSPORT
    assert headers["access-control-allow-origin"] == EXTENSION
    log = api.memloci.autofill.disclosures()
    assert {(d.outcome, d.recipient) for d in log if d.memory_type == "vault"} == {
        ("withheld", "Memloci browser extension"),
        ("disclosed", "Memloci browser extension"),
    }
    assert all(d.channel == "browser" for d in log)  # an extension Origin: a browser


@pytest.mark.parametrize(
    ("token", "scheme"),
    [(None, None), ("wrong-token", "Bearer"), ("default", "Basic")],
)
def test_missing_or_wrong_token_is_401(api: ApiServer, token: str | None, scheme: str | None):
    headers = {}
    if scheme is not None:
        real = api.memloci.api_token() if token == "default" else token
        headers["Authorization"] = f"{scheme} {real}"
    status, body, sent = request(api, "POST", "/v1/autofill", FORM, token=None, headers=headers)
    assert status == 401 and "--show-token" in body["error"]
    assert sent["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "host",
    ["evil.example", f"evil.example:{0}", "127.0.0.1", "127.0.0.2:{port}", "[::1]:{port}", ""],
)
def test_foreign_host_is_403(api: ApiServer, host: str) -> None:
    # DNS rebinding: a page's own name resolving to 127.0.0.1 still shows in Host.
    status, body, _ = request(
        api, "GET", "/v1/status", headers={"Host": host.format(port=api.port)}
    )
    assert status == 403 and "127.0.0.1" in body["error"]


def test_localhost_host_is_accepted(api: ApiServer) -> None:
    status, _, _ = request(api, "GET", "/v1/status", headers={"Host": f"localhost:{api.port}"})
    assert status == 200


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1:8000", OTHER_EXTENSION, ""]
)
def test_foreign_origin_is_403_even_with_the_token(api: ApiServer, origin: str) -> None:
    status, body, headers = request(api, "POST", "/v1/search", {"query": "Ana"}, headers={
        "Origin": origin
    })  # fmt: skip
    assert status == 403 and "web pages" in body["error"]
    assert "access-control-allow-origin" not in headers


def test_extension_origin_allowed_by_settings(api: ApiServer) -> None:
    memloci = api.memloci
    memloci.save_settings(
        memloci.settings.with_value(
            "autofill.extension_ids", [BROWSER_EXTENSION_ID, OTHER_EXTENSION[-32:]]
        )
    )
    status, body, _ = request(api, "GET", "/v1/status", headers={"Origin": OTHER_EXTENSION})
    assert status == 200 and body["caller"] == f"browser extension {'b' * 32}"


def test_preflight_for_the_extension(api: ApiServer) -> None:
    status, _, headers = request(
        api,
        "OPTIONS",
        "/v1/autofill",
        token=None,
        headers={"Origin": EXTENSION, "Access-Control-Request-Method": "POST"},
    )
    assert status == 204
    assert headers["access-control-allow-origin"] == EXTENSION
    assert "Authorization" in headers["access-control-allow-headers"]
    status, _, _ = request(
        api, "OPTIONS", "/v1/autofill", token=None, headers={"Origin": "https://evil.example"}
    )
    assert status == 403


def test_too_many_requests_is_429(memloci) -> None:
    memloci.save_settings(memloci.settings.with_value("autofill.api_requests_per_minute", 5))
    server = ApiServer(memloci, port=0)
    server.start()
    try:
        statuses = [request(server, "GET", "/v1/status")[0] for _ in range(5)]
        status, body, headers = request(server, "GET", "/v1/status")
    finally:
        server.stop()
    assert statuses == [200] * 5
    assert status == 429 and "slow down" in body["error"]
    assert int(headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    ("raw", "content_type", "message"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "JSON object"),
        (b'{"fields": []}', "application/json", "fields"),
        (b'{"fields": [{"label": 5}]}', "application/json", "fields.0.label"),
        (b'{"fields": [{"label": "' + b"x" * 400 + b'"}]}', "application/json", "300"),
        (b'{"fields": [{"label": "Email"}]}', "text/plain", "Content-Type"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
    ],
)
def test_bad_bodies_are_400_with_one_line(
    api: ApiServer, raw: bytes, content_type: str, message: str
) -> None:
    status, body, headers = request(
        api, "POST", "/v1/autofill", raw=raw, headers={"Content-Type": content_type}
    )
    assert status == 400 and message in body["error"]
    assert "\n" not in body["error"] and headers["content-type"].startswith("application/json")


def test_oversized_body_and_unknown_routes(api: ApiServer) -> None:
    status, body, _ = request(api, "POST", "/v1/autofill", raw=b"{" + b" " * 300_000 + b"}")
    assert status == 413 and "256 KiB" in body["error"]
    assert request(api, "POST", "/v1/nothing", {})[0] == 404
    status, _, headers = request(api, "GET", "/v1/autofill")
    assert status == 405 and headers["allow"] == "POST"


def test_search_ask_and_prompt_context(api: ApiServer) -> None:
    status, body, _ = request(api, "POST", "/v1/search", {"query": "Ana email", "limit": 5})
    assert status == 200 and body["query"] == "Ana email"
    assert body["hits"][0]["type"] == "core"
    status, body, _ = request(api, "POST", "/v1/search", {"query": "passport"})
    assert [hit["type"] for hit in body["hits"]] == ["vault"]  # its caption, not its secret
    assert PASSPORT not in json.dumps(body)
    status, body, _ = request(api, "POST", "/v1/search", {"query": "Ana", "types": ["nope"]})
    assert status == 400 and "Unknown memory type" in body["error"]
    status, body, _ = request(api, "POST", "/v1/prompt-context", {"text": "Ana email"})
    assert status == 200 and body["items"] and "memloci:" in body["text"]
    purposes = {d.purpose for d in api.memloci.autofill.disclosures()}
    assert {"search", "prompt-context"} <= purposes


class ScriptedModel:
    """A small fake written against `app.llm.base.ChatModel`: one canned reply."""

    context_tokens = 2_048

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def info(self) -> Any:
        from app.llm.base import ModelInfo

        return ModelInfo("fake", "scripted", "-", self.context_tokens, True)

    def complete(self, messages: Any, options: Any, *, on_token=None, cancel=None) -> Any:
        from app.llm.base import Completion

        self.prompts.append(json.dumps(messages))
        if on_token is not None:
            on_token(self.reply)
        return Completion(self.reply, 10, 5, 0.01, "stop")

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def close(self) -> None:
        return None


def test_ask_answers_with_citations_and_logs_them(api: ApiServer) -> None:
    memloci = api.memloci
    memloci.add(
        "My e-mail address is ana@example.pt", type="semantic", fields={"name": "E-mail address"}
    )
    model = ScriptedModel("Your e-mail address is ana@example.pt.")
    memloci._parts.llm.use(model)
    status, body, _ = request(api, "POST", "/v1/ask", {"question": "What is my e-mail address?"})
    assert status == 200, body
    assert body["question"] == "What is my e-mail address?"
    assert "ana@example.pt" in body["answer"] and body["citations"]
    assert PASSPORT not in "".join(model.prompts)
    asked = [d for d in memloci.autofill.disclosures() if d.purpose == "ask"]
    assert {d.memory_id for d in asked} == set(body["citations"])
    status, body, _ = request(api, "POST", "/v1/ask", {"question": ""})
    assert status == 400
    before = memloci.stats().total
    status, body, _ = request(
        api, "POST", "/v1/ask", {"question": "What is my e-mail?", "record": False}
    )
    assert status == 200 and memloci.stats().total == before  # nothing kept, as --no-record


def test_ask_without_a_model_answers_from_memories_and_says_why(api: ApiServer) -> None:
    from app.errors import ModelUnavailable

    def broken() -> Any:
        raise ModelUnavailable("The language model cannot be loaded; see `memloci doctor`.")

    api.memloci._parts.llm._builder = lambda *_: broken()
    # A model is asked to write the answer (the bundled model's default is the memories').
    memloci = api.memloci
    memloci.save_settings(memloci.settings.with_value("model.answer_mode", "model"))
    status, body, _ = request(api, "POST", "/v1/ask", {"question": "What is my e-mail?"})
    # The API mirrors the CLI: without a model the memories answer, and the reply says why.
    assert status == 200
    assert body["answered_by"] == "memories" and "doctor" in body["model_error"]
    assert body["answer"]


def test_a_rotated_token_takes_over(api: ApiServer) -> None:
    old = api.memloci.api_token()
    new = api.memloci.api_token(rotate=True)
    assert new != old and new.startswith("mlc_")
    assert request(api, "GET", "/v1/status", token=old)[0] == 401
    assert request(api, "GET", "/v1/status", token=new)[0] == 200


def test_only_loopback_is_listened_on(api: ApiServer) -> None:
    assert api._httpd.server_address[0] == "127.0.0.1"
    outside = socket.gethostbyname(socket.gethostname())
    if outside.startswith("127."):
        pytest.skip("this machine has no address besides loopback")
    with pytest.raises(OSError), socket.create_connection((outside, api.port), timeout=2):
        pass


def test_a_taken_port_is_one_clear_error(api: ApiServer) -> None:
    with pytest.raises(ConfigError, match="--port"):
        ApiServer(api.memloci, port=api.port)


def test_guard_functions() -> None:
    assert host_allowed("127.0.0.1:8000", 8000) and host_allowed("LOCALHOST:8000", 8000)
    assert not host_allowed("127.0.0.1:8001", 8000) and not host_allowed(None, 8000)
    assert origin_allowed(None, []) and origin_allowed(EXTENSION, [BROWSER_EXTENSION_ID])
    assert not origin_allowed("chrome-extension://short", ["short"])
    assert token_matches("Bearer abc", "abc") and token_matches("bearer  abc ", "abc")
    assert not token_matches("Bearer abd", "abc") and not token_matches("Bearer abc", "")
    clock = [0.0]
    limiter = RateLimiter(60, burst=2, clock=lambda: clock[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0  # buckets are per client
    clock[0] = 1.0
    assert limiter.take("a") == 0.0
