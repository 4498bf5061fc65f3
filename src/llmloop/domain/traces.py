"""Traces and spans as llmloop sees them: span kinds, ingestion limits and results.

A trace is every span that shares a trace id; its summary (app, version, environment, tokens,
cost, previews) is what listings read. Spans arrive over OTLP (``/v1/traces``) or straight
from the SDK's embedded mode, and both paths report an :class:`IngestResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_REPORTED_ERRORS",
    "IngestLimits",
    "IngestResult",
    "SpanKind",
    "SpanStatus",
]

#: An ingest result names at most this many rejection reasons (the count is always exact).
MAX_REPORTED_ERRORS = 20


class SpanKind(StrEnum):
    """What a span did, in the terms of an LLM application.

    ``span`` is a span with no GenAI meaning at all (an HTTP call, a database query): calling
    it a ``chain`` would put plumbing into the step listings.
    """

    LLM = "llm"
    RETRIEVAL = "retrieval"
    RERANK = "rerank"
    EMBEDDING = "embedding"
    TOOL = "tool"
    AGENT = "agent"
    CHAIN = "chain"
    GUARDRAIL = "guardrail"
    EVALUATOR = "evaluator"
    SPAN = "span"


class SpanStatus(StrEnum):
    """OpenTelemetry's span status; a trace is ``error`` when any of its spans is."""

    UNSET = "unset"
    OK = "ok"
    ERROR = "error"


@dataclass(frozen=True)
class IngestLimits:
    """What one ingestion accepts: text sizes and how far in the future a span may start."""

    max_text_chars: int = 32_000
    """Span input and output longer than this are cut (and the cut is recorded)."""
    max_future_skew_s: float = 3_600.0
    """A span that starts more than this after the receiver's clock is rejected."""
    preview_chars: int = 500
    """Length of the input/output previews kept on the trace summary."""


class IngestResult(BaseModel):
    """How many spans of a request were stored (or already stored), and why others were not."""

    model_config = ConfigDict(frozen=True)

    accepted: int = Field(ge=0, description="Spans stored now or already stored before.")
    rejected: int = Field(ge=0, description="Spans refused; each reason is in `errors`.")
    errors: list[str] = Field(
        default_factory=list,
        description=f"Why spans were refused (at most {MAX_REPORTED_ERRORS} reasons).",
    )

    @property
    def error_message(self) -> str:
        """The reasons joined for OTLP's ``partial_success.error_message``."""
        if not self.errors:
            return ""
        more = self.rejected - len(self.errors)
        suffix = f"; and {more} more" if more > 0 else ""
        return "; ".join(self.errors) + suffix
