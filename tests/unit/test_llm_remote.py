"""The OpenAI-compatible client's protocol handling against a tiny local SSE server: streaming,
the response_format negotiation, errors as sentences, cancellation. (The integration tests run
it against llama.cpp's real server.)"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.errors import InvalidInput, ModelUnavailable
from app.llm.base import GenerationOptions
from app.llm.remote import OpenAICompatModel, is_loopback, normalise_base

SCHEMA = {"type": "object", "properties": {"a": {"enum": [1]}}, "required": ["a"]}


class Server:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.refuse_json_schema = True
        self.status = 200
        self.words = ["Hello", " there", " friend"]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                body = json.dumps({"data": [{"id": "tiny"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                request = json.loads(self.rfile.read(length))
                request["_auth"] = self.headers.get("Authorization")
                outer.requests.append(request)
                fmt = request.get("response_format") or {}
                if outer.status != 200 or (
                    outer.refuse_json_schema and fmt.get("type") == "json_schema"
                ):
                    self.send_response(outer.status if outer.status != 200 else 422)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = ['{"a": 1}'] if fmt else outer.words
                for word in words:
                    chunk = {"choices": [{"delta": {"content": word}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                last = {"choices": [{"delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                return None  # a client that cancels mid-stream closes the socket on purpose

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    instance = Server()
    yield instance
    instance.close()


def test_urls_are_normalised() -> None:
    assert normalise_base("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert normalise_base("http://h:1/v1/") == "http://h:1/v1"
    assert normalise_base("http://h:1/v1/chat/completions") == "http://h:1/v1"
    assert is_loopback("http://localhost:11434/v1") and not is_loopback("https://example.com")
    with pytest.raises(InvalidInput):
        normalise_base("ftp://example.com")


def test_streams_tokens_and_picks_the_servers_model(server: Server) -> None:
    model = OpenAICompatModel(server.url, api_key="k-123")
    tokens: list[str] = []
    result = model.complete(
        [{"role": "user", "content": "hi"}], GenerationOptions(), on_token=tokens.append
    )
    assert result.text == "Hello there friend" and tokens == ["Hello", " there", " friend"]
    assert result.finish_reason == "stop" and result.completion_tokens == 3
    request = server.requests[0]
    assert request["model"] == "tiny" and request["stream"] is True
    assert request["_auth"] == "Bearer k-123" and request["frequency_penalty"] == 0.3
    model.close()


def test_structured_output_falls_back_to_json_object_and_remembers(server: Server) -> None:
    model = OpenAICompatModel(server.url, model="tiny")
    options = GenerationOptions(json_schema=SCHEMA)
    assert model.complete([{"role": "user", "content": "x"}], options).text == '{"a": 1}'
    kinds = [r["response_format"]["type"] for r in server.requests]
    assert kinds == ["json_schema", "json_object"]
    assert server.requests[1]["response_format"]["schema"] == SCHEMA
    model.complete([{"role": "user", "content": "x"}], options)
    assert server.requests[-1]["response_format"]["type"] == "json_object"
    assert model.info().details["structured_output"] == "json_object"
    server.refuse_json_schema = False
    standard = OpenAICompatModel(server.url, model="tiny")
    standard.complete([{"role": "user", "content": "x"}], options)
    fmt = server.requests[-1]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == SCHEMA


def test_errors_are_sentences(server: Server) -> None:
    server.status = 401
    with pytest.raises(ModelUnavailable, match="refused the API key"):
        OpenAICompatModel(server.url, model="t").complete([], GenerationOptions())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ModelUnavailable, match="Cannot reach the model server"):
        OpenAICompatModel(f"http://127.0.0.1:{port}", model="t").complete([], GenerationOptions())


def test_cancel_stops_the_stream(server: Server) -> None:
    cancel = threading.Event()
    server.words = [f"w{n} " for n in range(50)]
    model = OpenAICompatModel(server.url, model="tiny")
    seen: list[str] = []

    def on_token(text: str) -> None:
        seen.append(text)
        if len(seen) == 3:
            cancel.set()

    result = model.complete([], GenerationOptions(), on_token=on_token, cancel=cancel)
    assert result.cancelled and result.text == "w0 w1 w2 "
