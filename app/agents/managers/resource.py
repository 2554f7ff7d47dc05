"""Resource manager: documents, web pages, shared links and photos the person worked with.

Rules: a URL in a message or a browser window, a file name in a window title, a photo shared in a
chat (its caption) each become one resource; seeing it again adds the new source (and, for a
document on screen, its newer text) instead of a copy. The model writes a one-sentence summary of
a document or page from the text on screen.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field

from app.agents.inputs import AgentInput
from app.agents.managers.base import Context, Manager, ModelCall, Strict, ask, options
from app.agents.operations import Action, Operation
from app.agents.policy import GROUNDED
from app.agents.text import clip, grounding
from app.domain import Memory, MemoryType

_FILE = re.compile(
    r"(?P<name>[\w .,()'\-]{1,120}\.(?:docx?|odt|pdf|xlsx?|ods|csv|pptx?|odp|md|txt|rtf|py|js|ts|"
    r"java|c|cpp|rs|go|html?|json|ya?ml|toml|ipynb|tex|epub))\b",
    re.I,
)
_BROWSER_SUFFIX = re.compile(
    r"\s+[—–-]\s+(?:Mozilla Firefox|Firefox|Google Chrome|Chromium|Brave|Microsoft Edge|Safari|"
    r"Opera|Vivaldi|Epiphany|Web)\s*$",
    re.I,
)
CONTENT_LIMIT = 20_000
TASK = (
    "In one short sentence, say what the document or page '{title}' in the NEW INPUT is about, "
    "in its own words."
)


def _url_title(url: str) -> str:
    parts = urlsplit(url)
    return clip(f"{parts.netloc}{parts.path}".rstrip("/") or url, 300)


def _existing(ctx: Context, key: str) -> Memory | None:
    for memory in ctx.similar(MemoryType.RESOURCE, key):
        if memory.active and key.lower() in memory.text.lower():
            return memory
    return None


class ResourceManager(Manager):
    type = MemoryType.RESOURCE
    name = "resource"

    def _seen_again(
        self, ctx: Context, memory: Memory, item: AgentInput, **fields: str
    ) -> Operation:
        ctx.shown[memory.id] = memory
        if fields and memory.origin == "agent":
            return Operation(
                Action.UPDATE,
                self.type,
                "extractor",
                fields=fields,
                target=memory.id,
                reason="newer text on screen",
                sources=(item.source,),
            )
        return Operation(
            Action.NOOP, self.type, "extractor", target=memory.id, sources=(item.source,)
        )

    def rules(self, ctx: Context) -> list[Operation]:
        ops: list[Operation] = []
        batch_docs: dict[str, Operation] = {}
        for item in ctx.speaking:
            urls = [e.value for e in ctx.extractions.get(item.item_id, []) if e.kind == "url"]
            if item.kind == "screen" and item.url:
                urls = [item.url, *urls[:0]]  # the page itself, not every link on it
            for url in list(dict.fromkeys(urls))[:5]:
                found = _existing(ctx, url)
                if found is not None:
                    ops.append(self._seen_again(ctx, found, item))
                    continue
                title = _BROWSER_SUFFIX.sub("", item.title) if item.kind == "screen" else ""
                where = (
                    f"Open in {item.speaker} on {item.timestamp:%Y-%m-%d}"
                    if item.kind == "screen"
                    else f"Link shared by {item.speaker} on {item.timestamp:%Y-%m-%d}"
                )
                content = url if item.kind == "chat" else f"{url}\n\n{item.text}"
                ops.append(self._add(item, title or _url_title(url), "web", where, content))
            for caption in item.attachments:
                title = f"Photo shared by {item.speaker}"
                found = _existing(ctx, caption)
                if found is not None:
                    ops.append(self._seen_again(ctx, found, item))
                    continue
                summary = f"{title} on {item.timestamp:%Y-%m-%d}: {caption}"
                ops.append(self._add(item, title, "image", summary, caption))
            if item.kind == "screen" and not item.url:
                match = _FILE.search(item.title)
                if match:
                    name = match.group("name").strip()
                    earlier = batch_docs.get(name)
                    if earlier is not None:  # the same document again in this batch: newer text
                        if item.text:
                            earlier.fields["content"] = clip(item.text, CONTENT_LIMIT)
                        earlier.sources = tuple(dict.fromkeys((*earlier.sources, item.source)))
                        continue
                    found = _existing(ctx, name)
                    if found is not None:
                        text = clip(item.text, CONTENT_LIMIT) if item.text else ""
                        extra = {"content": text} if text else {}
                        batch_docs[name] = self._seen_again(ctx, found, item, **extra)
                        ops.append(batch_docs[name])
                        continue
                    where = f"Open in {item.speaker} on {item.timestamp:%Y-%m-%d}"
                    batch_docs[name] = self._add(item, name, "document", where, item.text)
                    ops.append(batch_docs[name])
        return ops

    def _add(
        self, item: AgentInput, title: str, resource_type: str, summary: str, content: str
    ) -> Operation:
        return Operation(
            Action.ADD,
            self.type,
            "extractor",
            fields={
                "title": clip(title, 300),
                "resource_type": resource_type,
                "summary": clip(summary, 2000),
                "content": clip(content, CONTENT_LIMIT) if content else "",
            },
            sources=(item.source,),
            occurred_at=item.timestamp,
            importance=0.5,
        )

    def model_call(self, ctx: Context) -> ModelCall | None:
        pages = [i for i in ctx.speaking if i.kind == "screen" and len(i.text) >= 300]
        if not pages:
            return None
        page = max(pages, key=lambda i: len(i.text))
        title = _BROWSER_SUFFIX.sub("", page.title)

        class Output(Strict):
            summary: str = Field(min_length=8, max_length=240)

        messages = ask(ctx, TASK.format(title=clip(title, 120)))

        def convert(output: Output) -> list[Operation]:
            if grounding(output.summary, [page.text, title]) < GROUNDED:
                return []  # the policy would drop it too; keep the rule's plain summary
            key = page.url or (m.group("name") if (m := _FILE.search(page.title)) else "")
            for op in ctx.pending:
                same = key and (
                    key in op.fields.get("content", "") or key == op.fields.get("title")
                )
                if op.type is self.type and op.action is Action.ADD and same:
                    op.fields["summary"] = f"{output.summary} ({op.fields['summary']})"
                    return []
            found = _existing(ctx, key) if key else None
            if found is None or found.origin != "agent":
                return []
            ctx.shown[found.id] = found
            return [
                Operation(
                    Action.UPDATE,
                    self.type,
                    self.name,
                    fields={"summary": output.summary},
                    target=found.id,
                    proposer="model",
                    reason="summary of the newer text",
                    sources=(page.source,),
                )
            ]

        return ModelCall("resource", messages, Output, convert, options(80))
