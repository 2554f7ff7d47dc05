"""`memloci model`: which language model answers and organises memories."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from app.cli import pass_session, render

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def _show(info: dict[str, Any]) -> None:
    for key in ("backend", "name", "location", "context_tokens", "loaded"):
        if key in info:
            click.echo(f"  {key:<16}{info[key]}")
    for key, value in info.items():
        if key not in ("backend", "name", "location", "context_tokens", "loaded"):
            click.echo(f"  {key:<16}{value}")


@click.group()
def model() -> None:
    """Choose the language model: the bundled one, a GGUF file, or a model server."""


@model.command(name="show")
@json_option
@pass_session
def model_show(session: Any, as_json: bool) -> None:
    """The model in use (does not load it)."""
    info = session.open().model_info()
    if as_json:
        render.emit_json(info)
    else:
        _show(info)


@model.command(name="use")
@click.argument("path", type=click.Path(dir_okay=False))
@json_option
@pass_session
def model_use(session: Any, path: str, as_json: bool) -> None:
    """Use the GGUF model file PATH (llama.cpp format, with its own chat template)."""
    info = session.open().use_model("gguf", path=path)
    if as_json:
        render.emit_json(info)
    else:
        click.echo(f"Using {info.get('location')}; it loads on the first question.")


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
@json_option
@pass_session
def model_endpoint(
    session: Any, url: str, model_name: str | None, ask_key: bool, no_check: bool, as_json: bool
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
    info = memloci.use_model("endpoint", endpoint=url, model_name=model_name, api_key=key)
    reachable = None
    if not no_check:
        try:
            names = memloci.endpoint_models()
            reachable = True
            info["models"] = names[:20]
        except Exception as error:  # saved anyway; say what is wrong
            reachable = False
            info["warning"] = str(error)
    if as_json:
        render.emit_json(info)
        return
    click.echo(f"Using the model server at {normalise_base(url)}.")
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
@json_option
@pass_session
def model_bundled(session: Any, as_json: bool) -> None:
    """Go back to the bundled SmolLM2-135M-Instruct (no download, small and fast, weak)."""
    info = session.open().use_model("bundled")
    if as_json:
        render.emit_json(info)
    else:
        click.echo(f"Using the bundled model {info.get('name')}.")


@model.command(name="test")
@json_option
@pass_session
def model_test(session: Any, as_json: bool) -> None:
    """Load the model and generate a few tokens: checks it works and how fast."""
    from app.llm.base import GenerationOptions

    memloci = session.open()
    started = time.perf_counter()
    completion = memloci.complete(
        [{"role": "user", "content": "Say hello in one short sentence."}],
        GenerationOptions(max_tokens=32, temperature=0.0),
    )
    result = {
        **memloci.model_info(),
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
