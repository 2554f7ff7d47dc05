"""`memloci model`: which language model answers and organises memories."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from app.cli import pass_session, render

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
role_option = click.option(
    "--role",
    type=click.Choice(["chat", "agents"]),
    default="chat",
    show_default=True,
    help="Which model to set: the one that answers you, or the memory agents' own.",
)


FIRST = ("backend", "name", "location", "context_tokens", "loaded")


def _show(info: dict[str, Any]) -> None:
    for key in FIRST:
        if key in info:
            click.echo(f"  {key:<16}{info[key]}")
    for key, value in info.items():
        if key not in (*FIRST, "role", "shared"):
            click.echo(f"  {key:<16}{value}")


def _role_line(role: str) -> str:
    return "Chat answers" if role == "chat" else "Memory agents"


@click.group()
def model() -> None:
    """Choose, download and find language models: the bundled one, a GGUF file, a model
    server; one for chat answers and (optionally) another for the memory agents."""


@model.command(name="show")
@json_option
@pass_session
def model_show(session: Any, as_json: bool) -> None:
    """The models in use for chat and for the memory agents (does not load them)."""
    memloci = session.open()
    info, agents = memloci.models.info(), memloci.models.info("agents")
    if as_json:
        render.emit_json({**info, "agents": agents})
        return
    click.secho(_role_line("chat"), bold=True)
    _show(info)
    click.secho(_role_line("agents"), bold=True)
    if agents.get("shared"):
        click.echo("  the same model as chat (`memloci model use NAME --role agents` to change)")
    else:
        _show(agents)


@model.command(name="use")
@click.argument("path")
@role_option
@json_option
@pass_session
def model_use(session: Any, path: str, role: str, as_json: bool) -> None:
    """Use a GGUF model: a file PATH, or the name of a downloaded model (`memloci model list`)."""
    info = session.open().models.use("gguf", path=path, role=role)
    if as_json:
        render.emit_json(info)
    else:
        click.echo(f"{_role_line(role)}: {info.get('location')}; it loads when first needed.")


@model.command(name="endpoint")
@click.argument("url")
@click.option("--model", "model_name", help="The model name the server should use.")
@click.option(
    "--api-key",
    "ask_key",
    is_flag=True,
    help="Ask for an API key (kept in the encrypted database, not in settings).",
)
@click.option("--no-check", is_flag=True, help="Do not try to reach the server now.")
@role_option
@json_option
@pass_session
def model_endpoint(
    session: Any,
    url: str,
    model_name: str | None,
    ask_key: bool,
    no_check: bool,
    role: str,
    as_json: bool,
) -> None:
    """Use an OpenAI-compatible server at URL (llama.cpp's server, Ollama, vLLM, LM Studio).

    \b
    Examples:
      memloci model endpoint http://127.0.0.1:8080/v1                 (llama.cpp server)
      memloci model endpoint http://127.0.0.1:11434/v1 --model qwen2.5:7b   (Ollama)
    """
    from app.llm.remote import is_loopback, normalise_base

    key = None
    if ask_key:
        if sys.stdin.isatty():
            key = click.prompt("API key", hide_input=True, default="", show_default=False)
        else:
            key = sys.stdin.readline().strip()
    memloci = session.open()
    info = memloci.models.use(
        "endpoint", endpoint=url, model_name=model_name, api_key=key, role=role
    )
    reachable = None
    if not no_check:
        try:
            names = memloci.models.endpoint_models(role)
            reachable = True
            info["models"] = names[:20]
        except Exception as error:  # saved anyway; say what is wrong
            reachable = False
            info["warning"] = str(error)
    if as_json:
        render.emit_json(info)
        return
    click.echo(f"{_role_line(role)}: the model server at {normalise_base(url)}.")
    if not is_loopback(url):
        click.secho(
            "Note: memory text goes to this server whenever Memloci answers or organises "
            "memories. Use a server you trust, over https.",
            fg="yellow",
        )
    if reachable is False:
        click.secho(f"Warning: {info['warning']}", fg="yellow")
    elif reachable:
        click.echo("It answers; models: " + (", ".join(info["models"]) or "(none listed)"))


@model.command(name="bundled")
@role_option
@json_option
@pass_session
def model_bundled(session: Any, role: str, as_json: bool) -> None:
    """Go back to the bundled SmolLM2-135M-Instruct (no download, small and fast, weak)."""
    info = session.open().models.use("bundled", role=role)
    if as_json:
        render.emit_json(info)
    else:
        click.echo(f"{_role_line(role)}: the bundled model {info.get('name')}.")


@model.command(name="same")
@json_option
@pass_session
def model_same(session: Any, as_json: bool) -> None:
    """The memory agents use the chat model (one model in memory; the default)."""
    info = session.open().models.use("same", role="agents")
    if as_json:
        render.emit_json(info)
    else:
        click.echo(f"Memory agents: the chat model ({info.get('name')}).")


@model.command(name="test")
@role_option
@json_option
@pass_session
def model_test(session: Any, role: str, as_json: bool) -> None:
    """Load the model and generate a few tokens: checks it works and how fast."""
    from app.llm.base import GenerationOptions

    memloci = session.open()
    started = time.perf_counter()
    completion = memloci.models.complete(
        [{"role": "user", "content": "Say hello in one short sentence."}],
        GenerationOptions(max_tokens=32, temperature=0.0),
        role=role,
    )
    result = {
        **memloci.models.info(role),
        "reply": completion.text.strip(),
        "seconds": round(time.perf_counter() - started, 3),
        "tokens_per_second": round(completion.tokens_per_second, 1),
    }
    if as_json:
        render.emit_json(result)
        return
    _show({k: v for k, v in result.items() if k != "reply"})
    click.echo(f"  {'reply':<16}{render.clip(result['reply'], 70)}")


COMMANDS = [model]
