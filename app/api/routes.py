"""The local API's endpoints. Each takes the validated JSON body and the caller, calls the
facade once, and returns a JSON-ready dict. They mirror the CLI's `--json` output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from app import __version__
from app.autofill.browser import BROWSER
from app.autofill.disclosures import Recipient
from app.autofill.fields import FieldSpec
from app.autofill.suggest import PageContext
from app.domain import MemoryType
from app.store.clients import Client
from app.timewords import parse_bound

if TYPE_CHECKING:
    from app.core import Memloci


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class PageBody(Body):
    url: str = Field(default="", max_length=2_000)
    title: str = Field(default="", max_length=500)


class FieldBody(Body):
    label: str = Field(default="", max_length=300)
    name: str = Field(default="", max_length=300)
    type: str = Field(default="", max_length=40)
    placeholder: str = Field(default="", max_length=300)
    autocomplete: str = Field(default="", max_length=200)
    memory_id: str = Field(default="", max_length=64)  # the person's pick: only it answers


class AutofillBody(Body):
    page: PageBody = Field(default_factory=PageBody)
    fields: list[FieldBody] = Field(min_length=1, max_length=200)
    limit: int | None = Field(default=None, ge=1, le=10)
    review: bool = False  # the extension's review: vault values stay sealed, nobody is asked


class SearchBody(Body):
    query: str = Field(min_length=1, max_length=2_000)
    types: list[str] = Field(default_factory=list, max_length=6)
    limit: int | None = Field(default=None, ge=1, le=100)
    since: str | None = None
    until: str | None = None


class AskBody(Body):
    question: str = Field(min_length=1, max_length=4_000)
    record: bool = True  # False: like `memloci ask --no-record`


class ContextBody(Body):
    text: str = Field(min_length=1, max_length=20_000)
    max_chars: int | None = Field(default=None, ge=200, le=20_000)


@dataclass(frozen=True)
class Caller:
    """Who is asking: a name for the disclosure log and the approval prompt. `client`: a
    program with a token of its own (MCP), which the /v1 endpoints do not serve."""

    name: str
    origin: str | None
    client: Client | None = None


def autofill(memloci: Memloci, body: AutofillBody, caller: Caller) -> dict[str, Any]:
    page = PageContext(url=body.page.url, title=body.page.title)
    channel = BROWSER if caller.origin else "api"  # an Origin: a browser extension asks
    recipient = Recipient(channel, caller.name, page.describe())
    specs = [FieldSpec(**f.model_dump(exclude={"memory_id"})) for f in body.fields]
    picks = [f.memory_id for f in body.fields]
    results = memloci.autofill.fill(
        specs, page, recipient, limit=body.limit, review=body.review, picks=picks
    )
    return {"page": body.page.model_dump(), "fields": [r.to_dict() for r in results]}


def search(memloci: Memloci, body: SearchBody, caller: Caller) -> dict[str, Any]:

    hits = memloci.search(
        body.query,
        types=[MemoryType.parse(t) for t in body.types] or None,
        limit=body.limit,
        since=parse_bound(body.since, end=False) if body.since else None,
        until=parse_bound(body.until, end=True) if body.until else None,
    )
    memories = memloci.get_many([h.id for h in hits])
    memloci.autofill.record(Recipient("api", caller.name, ""), "search", memories)
    return {"query": body.query, "hits": [h.to_dict() for h in hits]}


def ask(memloci: Memloci, body: AskBody, caller: Caller) -> dict[str, Any]:
    """An answer from memory with its citations, as `memloci ask --json` gives it. Never the
    chat's "remember my ..." path: another program must not file values in the vault."""
    from app.mcp.checks import question

    question(body.question)
    answer = memloci.ask(body.question, record=body.record)
    memories = memloci.get_many(list(answer.citations))
    memloci.autofill.record(Recipient("api", caller.name, ""), "ask", memories)
    return {"question": body.question, **answer.to_dict()}


def prompt_context(memloci: Memloci, body: ContextBody, caller: Caller) -> dict[str, Any]:
    result = memloci.autofill.prompt_context(
        body.text, max_chars=body.max_chars, recipient=Recipient("api", caller.name, "")
    )
    return result.to_dict()


def status(memloci: Memloci, body: None, caller: Caller) -> dict[str, Any]:
    return {
        "ok": True,
        "version": __version__,
        "caller": caller.name,
    }


Handler = Callable[["Memloci", Any, Caller], dict[str, Any]]

# path -> (method, body model or None, handler)
ROUTES: dict[str, tuple[str, type[Body] | None, Handler]] = {
    "/v1/status": ("GET", None, status),
    "/v1/autofill": ("POST", AutofillBody, autofill),
    "/v1/search": ("POST", SearchBody, search),
    "/v1/ask": ("POST", AskBody, ask),
    "/v1/prompt-context": ("POST", ContextBody, prompt_context),
}
