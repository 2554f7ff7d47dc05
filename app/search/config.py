"""Settings of the retrieval area: which embedder, which vector index, how results are fused.

Kept here (plain pydantic, no imports from app.settings) so `app.settings` can include them
without an import cycle. API keys are never stored: settings name the environment variable
that holds one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class EmbedderSettings(_Section):
    kind: Literal["minilm", "gguf", "endpoint", "none"] = "minilm"
    """minilm: the bundled all-MiniLM-L6-v2 (offline); gguf: a GGUF embedding model through
    llama.cpp (model_path); endpoint: an OpenAI-compatible /v1/embeddings (url, model);
    none: full-text search only."""
    model_path: str = ""
    url: str = ""
    model: str = ""
    api_key_env: str = ""
    """Name of the environment variable holding the endpoint's API key, if it needs one."""
    threads: int = Field(default=0, ge=0, le=64)
    """CPU threads for local models; 0 = one per core."""
    batch_size: int = Field(default=32, ge=1, le=1024)
    query_prefix: str = Field(default="", max_length=200)
    """Some models want queries and documents marked, e.g. "query: " / "passage: " (e5)."""
    document_prefix: str = Field(default="", max_length=200)
    timeout_s: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("the endpoint must be an http:// or https:// URL")
        return value


class RetrievalSettings(_Section):
    chroma_url: str = ""
    """A Chroma server (http://host:8000) instead of the local index under the data folder."""
    chroma_token_env: str = ""
    """Name of the environment variable holding the Chroma server's token, if it needs one."""
    dense_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    """Share of the vector channel in the fused score (the rest is full-text BM25)."""
    context_weight: float = Field(default=0.5, ge=0.0, le=2.0)
    """BM25 weight of the messages just before a chat message, relative to its own text."""
    min_similarity: float = Field(default=0.25, ge=-1.0, le=1.0)
    """Vector hits less similar than this are not shown (unrelated texts score ~0-0.2)."""
    recency_weight: float = Field(default=0.1, ge=0.0, le=1.0)
    recency_half_life_days: float = Field(default=30.0, gt=0.0, le=36_500.0)
    importance_weight: float = Field(default=0.05, ge=0.0, le=1.0)
    candidates: int = Field(default=100, ge=10, le=2_000)
    """How many hits each channel proposes before fusion."""
    lexical_budget: int = Field(default=2_000, ge=100, le=1_000_000)
    """Most documents the full-text channel scores per query (bounds its latency: ~2.5 us a
    document; 4,000 gave the same top 10 for 197 of 200 queries at 100,000 memories, and
    cost 7 ms more)."""
    second_hop: bool = True
    """Also search the names the best hits bring that the query lacks (a second hop)."""

    @field_validator("chroma_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("the Chroma server must be an http:// or https:// URL")
        return value
