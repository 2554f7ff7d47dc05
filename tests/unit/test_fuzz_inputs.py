"""Bad input, generated (hypothesis): chat files to import, settings files and local API bodies.

Whatever arrives, Memloci answers in one of two ways: it does the job, or it refuses with one
line saying what is wrong, having changed nothing. Never a traceback, never a partial import,
never a 500, and the API server keeps serving. Example counts are set so the whole file takes
well under a minute on 2 cores; each test prints how many examples it ran.
"""

from __future__ import annotations

import json
import re
import string
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import ConfigError
from app.importers import ImportFileError
from app.settings import Settings
from tests.scripted_model import ScriptedModel

FUZZ = settings(
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: a failure is reproducible
)

# -- values -----------------------------------------------------------------------------------
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "\ud800",  # a lone surrogate: valid in JSON ("\\ud800"), not encodable as UTF-8
    "line\nbreak",
    "\u202e\u200b",
    "x" * 25_000,  # over a record's limit: split, never cut
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
    "0001-01-01T00:00:00",
    "2023-05-08T13:56:00",
    "2023-05-08T13:56:00Z",
    "99999 days ago",
    "99999999999999999999 years ago",
    "9999-12-31",
    "yesterday",
    "episodic",
    "vault",
    "Robert'); DROP TABLE memories;--",
    'NEAR("a" "b", 0) OR * ^ :',
]
text = st.one_of(
    st.text(st.characters(exclude_characters="\x00"), max_size=40), st.sampled_from(NASTY_TEXT)
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(text, children, max_size=4)
    ),
    max_leaves=10,
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]),
).map(lambda moment: moment.isoformat())
NASTY_LINES = [
    b"\xff\xfe\xfa",
    b"\xef\xbb\xbf{}",
    b"[" * 50_000,
    b'{"id": ' + b"1" * 5_000 + b"}",
    b'{"id": 1e999, "conversation": "c", "speaker": "s", "text": "t", "timestamp": 1}',
    b'{"id": "a", "conversation": "c", "speaker": "s", "text": "\\ud800", '
    b'"timestamp": "2023-05-08T13:56:00Z"}',
    b"null",
    b"[]",
    b'"just a string"',
    b"{" + b'"k": "v", ' * 2_000 + b'"z": 1}',
]


def _slots(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON document, for mutation."""
    found: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.extend((node, key) for key in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            found.extend((node, index) for index in range(len(node)))
            stack.extend(node)
    return found


@st.composite
def mutated(
    draw: st.DrawFn, document: Any, most: int = 3, values: st.SearchStrategy[Any] | None = None
) -> Any:
    """A valid document with up to `most` random changes: a value replaced by anything (a
    wrong type, a nasty string), a key removed, or an extra key added."""
    values = values if values is not None else json_values | st.sampled_from(NASTY_TEXT)
    for _ in range(draw(st.integers(0, most))):
        slots = _slots(document)
        if not slots:
            break
        container, key = slots[draw(st.integers(0, len(slots) - 1))]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            container[key] = draw(values)
        elif action == "delete" and isinstance(container, dict):
            del container[key]
        elif action == "delete":
            container.pop(key)
        elif isinstance(container, dict):
            container[draw(st.text(max_size=12))] = draw(values)
    return document


@st.composite
def chat_messages(draw: st.DrawFn, n: int) -> dict[str, Any]:
    message = {
        "id": draw(st.sampled_from([f"m{n}", f"m{n}x", n])),
        "conversation": draw(st.sampled_from(["c1", "c2"])),
        "speaker": draw(st.sampled_from(["Ana", "Tom", "me"])),
        "text": draw(st.sampled_from(["hello there", "we met at the park", ""]) | text),
        "timestamp": draw(moments),
    }
    if draw(st.booleans()):
        message["attachments"] = [{"caption": draw(text)}]
    return draw(mutated(message, 1))


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines: list[bytes] = []
    for n in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["message"] * 12 + ["nasty", "bytes", "cut", "blank"]))
        if kind in ("message", "cut"):
            line = json.dumps(draw(chat_messages(n))).encode("utf-8")
            if kind == "cut":
                line = line[: draw(st.integers(0, len(line)))]
        elif kind == "nasty":
            line = draw(st.sampled_from(NASTY_LINES))
        elif kind == "bytes":
            line = draw(st.binary(max_size=60)).replace(b"\n", b" ")
        else:
            line = b"   "
        lines.append(line)
    return b"\n".join(lines) + draw(st.sampled_from([b"\n", b""]))


@st.composite
def chatgpt_conversation(draw: st.DrawFn, c: int) -> dict[str, Any]:
    mapping: dict[str, Any] = {"root": {"id": "root", "parent": None, "children": []}}
    parent = "root"
    for n in range(draw(st.integers(1, 4))):
        node_id = f"c{c}n{n}"
        role = draw(st.sampled_from(["user", "assistant", "user", "assistant", "system", "tool"]))
        mapping[parent]["children"].append(node_id)
        mapping[node_id] = {
            "id": node_id,
            "parent": parent,
            "children": [],
            "message": {
                "id": f"msg-{c}-{n}",
                "author": {"role": role},
                "create_time": draw(st.floats(1e9, 2e9)),
                "content": {"content_type": "text", "parts": [draw(text)]},
                "metadata": draw(st.sampled_from([{}, {"attachments": [{"name": "a.png"}]}])),
            },
        }
        parent = node_id
    return {
        "title": draw(text),
        "id": f"conv-{c}",
        "create_time": 1.7e9,
        "current_node": parent,
        "mapping": mapping,
    }


@st.composite
def chatgpt_files(draw: st.DrawFn) -> bytes:
    conversations = [draw(chatgpt_conversation(c)) for c in range(draw(st.integers(0, 3)))]
    document: Any = (
        draw(mutated(conversations, 3)) if draw(st.integers(0, 9)) else draw(json_values)
    )
    body = json.dumps(document).encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(body)))
        body = body[:cut] + draw(st.binary(max_size=8))
    return body


def _totals(memloci: Any) -> tuple[int, int, int]:
    db = memloci._parts.database
    return (
        int(db.scalar("SELECT count(*) FROM memories")),
        int(db.scalar("SELECT count(*) FROM work_queue")),
        int(db.scalar("SELECT count(*) FROM memory_history")),
    )


class Counter:
    def __init__(self) -> None:
        self.examples = self.refused = 0


def _import_once(memloci: Any, path: Path, body: bytes, counter: Counter, line_numbers: bool):
    path.write_bytes(body)
    before = _totals(memloci)
    counter.examples += 1
    try:
        result = memloci.import_chat(path, format="jsonl" if line_numbers else "chatgpt")
    except ImportFileError as error:
        counter.refused += 1
        message = str(error)
        assert "\n" not in message and len(message) < 2_000, message
        prefix = rf"{re.escape(str(path))}:\d+: " if line_numbers else rf"{re.escape(str(path))}:"
        assert re.match(prefix, message), message
        assert _totals(memloci) == before  # nothing committed
        return
    after = _totals(memloci)
    assert result.imported + result.skipped == result.messages
    assert after[0] - before[0] >= result.imported  # long messages become several records
    assert after[1] - before[1] == result.queued == result.imported


@pytest.fixture
def counters(capsys: pytest.CaptureFixture[str]) -> Iterator[dict[str, Counter]]:
    """Each test's example count, printed (also without -s) when it ends."""
    found: dict[str, Counter] = {}
    started = time.perf_counter()
    yield found
    seconds = time.perf_counter() - started
    with capsys.disabled():
        for name, counter in found.items():
            print(
                f"\nfuzz {name}: {counter.examples} examples ({counter.refused} refused with "
                f"one clear line, the rest done), {seconds:.1f} s"
            )


def test_fuzz_jsonl_import(memloci, tmp_path: Path, counters) -> None:
    counter = counters.setdefault("import-chat jsonl", Counter())

    @settings(FUZZ, max_examples=500)
    @given(jsonl_files())
    def run(body: bytes) -> None:
        _import_once(memloci, tmp_path / "chat.jsonl", body, counter, line_numbers=True)

    run()
    assert counter.refused and counter.refused < counter.examples  # both outcomes exercised


def test_fuzz_chatgpt_import(memloci, tmp_path: Path, counters) -> None:
    counter = counters.setdefault("import-chat chatgpt", Counter())

    @settings(FUZZ, max_examples=500)
    @given(chatgpt_files())
    def run(body: bytes) -> None:
        _import_once(memloci, tmp_path / "conversations.json", body, counter, line_numbers=False)

    run()
    assert counter.refused and counter.refused < counter.examples


# -- settings files ---------------------------------------------------------------------------
SECTIONS = {
    name: list(field.annotation.model_fields)  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
    if hasattr(field.annotation, "model_fields")
}
toml_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["", "eng", "0", "-1", "bundled", "x" * 5_000]),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 1, 1)),
)
toml_values = st.recursive(
    toml_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)


@st.composite
def settings_documents(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.binary(max_size=200))
    if choice == 1:
        return draw(st.text(alphabet=string.printable + "[]=\"'{}", max_size=200)).encode()
    if choice == 2:
        return draw(st.sampled_from([b"a = " + b"[" * 5_000, b"\xff\xfe", b"[x]\ny = 1\n[x]\n"]))
    import tomli_w

    document = Settings().model_dump(mode="json")
    for section in [name for name in document if draw(st.booleans())]:
        del document[section]  # a file usually names only what the person changed
    if draw(st.booleans()):
        section = draw(st.sampled_from(sorted(SECTIONS)))
        key = draw(st.sampled_from(SECTIONS[section]))
        document.setdefault(section, {})[key] = draw(toml_values)
    return tomli_w.dumps(draw(mutated(document, 2, toml_values))).encode("utf-8")


def test_fuzz_settings_files(tmp_path: Path, counters) -> None:
    counter = counters.setdefault("settings files", Counter())
    path = tmp_path / "settings.toml"

    @settings(FUZZ, max_examples=600)
    @given(settings_documents())
    def run(body: bytes) -> None:
        path.write_bytes(body)
        counter.examples += 1
        try:
            loaded = Settings.load(path)
        except ConfigError as error:
            counter.refused += 1
            assert "\n" not in str(error).strip(), str(error)
            return
        assert isinstance(loaded, Settings)
        loaded.save(tmp_path / "again.toml")  # what loads also saves and loads back the same
        assert Settings.load(tmp_path / "again.toml") == loaded

    run()
    assert counter.refused and counter.refused < counter.examples


# -- the local API ----------------------------------------------------------------------------
VALID_BODIES: dict[str, list[dict[str, Any]]] = {
    "/v1/autofill": [
        {
            "page": {"url": "https://shop.example/checkout", "title": "Checkout"},
            "fields": [
                {"label": "E-mail", "name": "email", "type": "email"},
                {"label": "PIN", "autocomplete": "off", "placeholder": "1234"},
            ],
            "limit": 3,
        }
    ],
    "/v1/search": [
        {"query": "lunch with Ana", "types": ["episodic"], "limit": 5},
        {"query": "Ana", "since": "2020-01-01", "until": "yesterday"},
        {"query": "Ana", "since": "0001-01-01", "until": "9999-12-31"},
    ],
    "/v1/ask": [{"question": "Where did I have lunch with Ana?", "record": False}],
    "/v1/prompt-context": [{"text": "Plan lunch with Ana", "max_chars": 500}],
}


@st.composite
def api_requests(draw: st.DrawFn) -> tuple[str, str, bytes]:
    path = draw(st.sampled_from([*VALID_BODIES, "/v1/status", "/v1/nothing"]))
    method = draw(st.sampled_from(["POST"] * 6 + ["GET", "PUT"]))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return method, path, draw(st.binary(max_size=100))
    if kind == 1:
        return method, path, draw(st.sampled_from(NASTY_LINES))
    if kind == 2:
        return method, path, json.dumps(draw(json_values)).encode()
    body = json.loads(json.dumps(draw(st.sampled_from(VALID_BODIES.get(path, [{}])))))
    return method, path, json.dumps(draw(mutated(body, 2))).encode()


def test_fuzz_api_bodies(memloci, counters) -> None:
    import http.client

    from app.api.guard import RateLimiter
    from app.api.server import ApiServer

    counter = counters.setdefault("local API bodies", Counter())
    memloci.add("Name: Ana Silva\nE-mail: ana@example.pt", type="core", fields={"label": "human"})
    memloci.add("Lunch with Ana at Taberna", type="episodic")
    memloci.add(None, type="vault", fields={"caption": "Bank PIN", "secret_value": "2468"})
    memloci.save_settings(memloci.settings.with_value("autofill.api_requests_per_minute", 10_000))
    memloci._parts.llm.use(ScriptedModel(default="You had lunch with Ana [1]."))
    server = ApiServer(memloci, port=0)
    # 600 requests in ~3 s outrun even the highest setting (10,000 a minute, bursts of 30):
    # the rate limit has its own tests; here every body must reach the handlers.
    server.limiter = RateLimiter(10_000, burst=100_000)
    server.start()
    token = memloci.api_token()

    def send(method: str, path: str, body: bytes | None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Host": f"127.0.0.1:{server.port}", "Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    @settings(FUZZ, max_examples=600)
    @given(api_requests())
    def run(request: tuple[str, str, bytes]) -> None:
        method, path, body = request
        counter.examples += 1
        status, answer = send(method, path, body)
        assert status < 500, (status, answer, request)
        if status >= 400:
            counter.refused += 1
            assert list(answer) == ["error"], answer
            assert answer["error"] and "\n" not in answer["error"], answer

    try:
        run()
        assert send("GET", "/v1/status", None)[0] == 200  # the server survived all of it
    finally:
        server.stop()
    assert counter.refused and counter.refused < counter.examples
