"""Switching embedders safely: the new choice is built and tried on one text before it is saved,
so a wrong path or an unreachable endpoint is refused with a sentence and nothing changes."""

from __future__ import annotations

from app.embed import EmbedderUnavailable
from app.errors import InvalidInput
from app.paths import Paths
from app.settings import Settings

KINDS = ("minilm", "gguf", "endpoint", "none")


def choose_embedder(
    settings: Settings,
    paths: Paths,
    kind: str,
    *,
    model_path: str | None = None,
    url: str | None = None,
    model: str | None = None,
    api_key_env: str | None = None,
) -> Settings:
    """Settings with the embedder changed, after a successful trial embedding."""
    from app import embed

    kind = kind.strip().lower()
    if kind not in KINDS:
        raise InvalidInput(f"Unknown embedder {kind!r}; use one of: {', '.join(KINDS)}.")
    values = settings.embedder.model_dump()
    values["kind"] = kind
    if kind == "gguf":
        if not model_path:
            raise InvalidInput("Give the path of a GGUF embedding model.")
        values["model_path"] = str(model_path)
    if kind == "endpoint":
        if not url:
            raise InvalidInput("Give the endpoint's base URL, e.g. http://127.0.0.1:8080/v1.")
        values["url"] = url
        values["model"] = model or ""
        values["api_key_env"] = api_key_env or ""
    data = settings.model_dump(mode="json")
    data["embedder"] = values
    chosen = Settings.from_dict(data, origin="embedder")
    try:
        embedder = embed.create_embedder(chosen.embedder, paths.cache)
        if embedder is not None:
            try:
                vectors = embedder.embed(["Memloci checks that this embedder works."])
            finally:
                embedder.close()
            if vectors.shape[0] != 1 or vectors.shape[1] < 8:
                raise EmbedderUnavailable("the embedder returned no usable vector")
    except EmbedderUnavailable as error:
        raise InvalidInput(f"That embedder does not work: {error} Nothing was changed.") from None
    return chosen
