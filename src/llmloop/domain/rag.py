"""How a RAG pipeline chunks, retrieves and reranks: the settings an app spec carries.

These are plain, validated configuration models (no I/O); the code that acts on them lives in
:mod:`llmloop.build.rag`. They are part of a RAG app's spec, so they are frozen and serialise
to canonical JSON for the spec's content hash and for the index cache key.

- ``chunking``: one of four strategies, chosen by ``strategy``: ``fixed`` (windows of
  ``size_chars`` with ``overlap_chars``), ``recursive`` (split by separators, largest first,
  then merge up to ``size_chars``), ``sentence`` (``max_sentences`` per chunk with
  ``overlap_sentences``) and ``heading`` (one chunk per Markdown section, long sections split).
- ``retrieval``: ``bm25`` (default), ``dense`` (needs the ``embeddings`` extra) or ``hybrid``
  (both, fused by reciprocal rank fusion), with ``top_k`` results.
- ``rerank``: ``none`` or ``mmr`` (maximal marginal relevance over lexical or embedding
  vectors), keeping ``top_k`` after the second stage.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from llmloop.errors import ValidationError

__all__ = [
    "DEFAULT_SEPARATORS",
    "ChunkingConfig",
    "FixedChunking",
    "HeadingChunking",
    "RecursiveChunking",
    "RerankConfig",
    "RetrievalConfig",
    "SentenceChunking",
    "parse_chunking",
    "parse_rerank",
    "parse_retrieval",
]

DEFAULT_SEPARATORS: tuple[str, ...] = ("\n\n", "\n", ". ", " ")


class FixedChunking(BaseModel):
    """Windows of ``size_chars`` characters; each starts ``size_chars - overlap_chars`` later."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Literal["fixed"] = "fixed"
    size_chars: int = Field(default=800, gt=0)
    overlap_chars: int = Field(default=100, ge=0)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> FixedChunking:
        _check_overlap(self.overlap_chars, self.size_chars, "overlap_chars", "size_chars")
        return self


class RecursiveChunking(BaseModel):
    """Split by the first separator that occurs, recurse on long pieces, merge up to size."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Literal["recursive"] = "recursive"
    size_chars: int = Field(default=800, gt=0)
    overlap_chars: int = Field(default=100, ge=0)
    separators: tuple[str, ...] = Field(default=DEFAULT_SEPARATORS, min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> RecursiveChunking:
        _check_overlap(self.overlap_chars, self.size_chars, "overlap_chars", "size_chars")
        if any(separator == "" for separator in self.separators):
            raise ValueError("separators: an empty separator would split nothing; remove it")
        return self


class SentenceChunking(BaseModel):
    """Up to ``max_sentences`` sentences per chunk; consecutive chunks share the overlap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Literal["sentence"] = "sentence"
    max_sentences: int = Field(default=5, gt=0)
    overlap_sentences: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> SentenceChunking:
        _check_overlap(
            self.overlap_sentences, self.max_sentences, "overlap_sentences", "max_sentences"
        )
        return self


class HeadingChunking(BaseModel):
    """One chunk per Markdown section (headings up to ``max_level``); long ones are split."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Literal["heading"] = "heading"
    max_level: int = Field(default=3, ge=1, le=6)
    size_chars: int = Field(default=2000, gt=0)


ChunkingConfig = Annotated[
    FixedChunking | RecursiveChunking | SentenceChunking | HeadingChunking,
    Field(discriminator="strategy"),
]


class RetrievalConfig(BaseModel):
    """Which retriever finds candidates and how many results it returns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    retriever: Literal["bm25", "dense", "hybrid"] = "bm25"
    top_k: int = Field(default=5, gt=0, le=200)
    rrf_k: int = Field(
        default=60, gt=0, description="Reciprocal rank fusion constant (hybrid only)."
    )


class RerankConfig(BaseModel):
    """The second stage: ``mmr`` re-orders retrieved chunks for relevance and diversity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["none", "mmr"] = "none"
    top_k: int | None = Field(default=None, gt=0, description="Chunks kept after reranking.")
    diversity: float = Field(
        default=0.3, ge=0, le=1, description="MMR weight of novelty against relevance."
    )
    vectors: Literal["lexical", "embedding"] = "lexical"


def _check_overlap(overlap: int, size: int, overlap_field: str, size_field: str) -> None:
    if overlap >= size:
        raise ValueError(
            f"{overlap_field}: {overlap} must be smaller than {size_field} ({size}), "
            "or chunks would never advance"
        )


_CHUNKING: TypeAdapter[FixedChunking | RecursiveChunking | SentenceChunking | HeadingChunking] = (
    TypeAdapter(ChunkingConfig)
)
_STRATEGIES = "'fixed', 'recursive', 'sentence' or 'heading'"


def describe_error(error: Any, prefix: str) -> str:
    """One pydantic error as ``prefix.field: reason`` (without pydantic's wording noise)."""
    parts = [str(part) for part in error.get("loc", ()) if part not in _STRATEGY_TAGS]
    where = ".".join([prefix, *parts]) if prefix else ".".join(parts)
    kind = error.get("type")
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag", error.get("input"))
        return f"{where}.strategy: {tag!r} is not a strategy (use {_STRATEGIES})"
    if kind == "union_tag_not_found":
        return f"{where}.strategy: is missing (use {_STRATEGIES})"
    if kind == "extra_forbidden":
        return f"{where}: is not a setting here"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if kind == "value_error" and ":" in message.split(" ", 1)[0]:
        # our own validators already name the field first
        return f"{prefix}.{message}" if prefix else message
    return f"{where}: {message}"


_STRATEGY_TAGS = {"fixed", "recursive", "sentence", "heading"}


def _parse(adapter: TypeAdapter[Any], data: Any, prefix: str) -> Any:
    try:
        return adapter.validate_python({} if data is None else data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(describe_error(error, prefix) for error in exc.errors())
        raise ValidationError(
            f"invalid {prefix} settings: {problems}",
            hint="Fix the named fields; see docs/rag.md for every setting and its range.",
        ) from None


def parse_chunking(
    data: Any,
) -> FixedChunking | RecursiveChunking | SentenceChunking | HeadingChunking:
    """Validate chunking settings (``None``: recursive defaults); errors name each field."""
    if isinstance(data, FixedChunking | RecursiveChunking | SentenceChunking | HeadingChunking):
        return data
    if data is None:
        return RecursiveChunking()
    result: FixedChunking | RecursiveChunking | SentenceChunking | HeadingChunking = _parse(
        _CHUNKING, data, "chunking"
    )
    return result


def parse_retrieval(data: Any) -> RetrievalConfig:
    """Validate retrieval settings; ``ValidationError`` names each bad field."""
    if isinstance(data, RetrievalConfig):
        return data
    result: RetrievalConfig = _parse(TypeAdapter(RetrievalConfig), data, "retrieval")
    return result


def parse_rerank(data: Any) -> RerankConfig:
    """Validate rerank settings; ``ValidationError`` names each bad field."""
    if isinstance(data, RerankConfig):
        return data
    result: RerankConfig = _parse(TypeAdapter(RerankConfig), data, "rerank")
    return result
