"""Reading traces back: trace filters and pages, the span tree of one trace, and sessions.

A :class:`TraceQuery` filters trace summaries and sorts them; pages are cut by *keyset*
cursors (the last row's sort key and trace id), never by offsets, so page 1,000 costs what page
1 costs and rows that arrive meanwhile neither repeat nor vanish. A cursor is opaque: base64
JSON of that key plus a hash of the filters and sort, so a cursor reused with another query is
refused instead of silently skipping rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Self, TypeVar

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from llmloop.domain.scores import Score
from llmloop.errors import ValidationError

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_TREE_DEPTH",
    "SESSION_MAX_TRACES",
    "SessionPage",
    "SessionQuery",
    "SessionSummary",
    "SessionTurn",
    "SessionView",
    "SortOrder",
    "SpanNode",
    "TracePage",
    "TraceQuery",
    "TraceSort",
    "TraceStatus",
    "TraceSummary",
    "TraceTree",
    "decode_cursor",
    "encode_cursor",
    "parse_query",
]

#: The most rows one page holds.
MAX_PAGE_SIZE = 500
#: A trace tree has at most this many levels: deeper spans sit on the last level, under their
#: ancestor one level up (``parent_span_id`` still names their parent), because JSON readers
#: (pydantic's among them) refuse documents nested much deeper.
MAX_TREE_DEPTH = 64
#: A session view holds at most this many traces (its first ones, in time order).
SESSION_MAX_TRACES = 1_000
_TRACE_ID = r"^[0-9a-f]{32}$"


class TraceSort(StrEnum):
    """What a trace list is ordered by (ties are broken by trace id)."""

    START_TIME = "start_time"
    DURATION_MS = "duration_ms"
    COST_USD = "cost_usd"


class SortOrder(StrEnum):
    """Ascending or descending."""

    ASC = "asc"
    DESC = "desc"


class TraceStatus(StrEnum):
    """A trace is ``error`` when any of its spans is."""

    OK = "ok"
    ERROR = "error"


class _Query(BaseModel):
    """Shared by the queries: frozen, unknown fields refused, cross-field rules checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: AwareDatetime | None = Field(default=None, description="Inclusive (trace start).")
    end: AwareDatetime | None = Field(default=None, description="Exclusive (trace start).")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")
    cursor: str | None = Field(
        default=None, max_length=2_000, description="`next_cursor` of the previous page."
    )

    def check(self) -> Self:
        """Raise ``ValidationError`` when the filters contradict each other; return self."""
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError(
                f"start ({self.start.isoformat()}) is not before end ({self.end.isoformat()})",
                hint="The range is [start, end): give a start earlier than the end.",
            )
        return self

    def fingerprint(self) -> str:
        """A hash of the filters and sort (not the cursor or page size) that cursors carry."""
        described = self.model_dump(mode="json", exclude={"cursor", "limit"})
        text = json.dumps(described, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class TraceQuery(_Query):
    """Which traces to list and in what order; every filter is optional and they all apply."""

    app: str | None = Field(default=None, max_length=200)
    app_version: str | None = Field(default=None, max_length=200)
    environment: str | None = Field(default=None, max_length=200)
    variant: str | None = Field(default=None, max_length=200)
    status: TraceStatus | None = None
    min_duration_ms: float | None = Field(default=None, ge=0)
    max_duration_ms: float | None = Field(default=None, ge=0)
    user_id: str | None = Field(default=None, max_length=200)
    session_id: str | None = Field(default=None, max_length=200)
    tags: list[str] = Field(
        default_factory=list, max_length=20, description="The trace must carry every one."
    )
    score_name: str | None = Field(
        default=None, max_length=200, description="Only traces with a score of this name."
    )
    score_min: float | None = Field(default=None, description="... whose value is >= this.")
    score_max: float | None = Field(default=None, description="... whose value is <= this.")
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Case-insensitive substring of the trace's input or output preview.",
    )
    sort: TraceSort = TraceSort.START_TIME
    order: SortOrder = SortOrder.DESC

    def check(self) -> Self:
        """Raise ``ValidationError`` when the filters contradict each other; return self."""
        super().check()
        low, high = self.min_duration_ms, self.max_duration_ms
        if low is not None and high is not None and low > high:
            raise ValidationError(
                f"min_duration_ms ({low:g}) is above max_duration_ms ({high:g})",
                hint="Give a minimum no larger than the maximum.",
            )
        bounded = self.score_min is not None or self.score_max is not None
        if bounded and self.score_name is None:
            raise ValidationError(
                "score_min/score_max were given without score_name",
                hint="Name the score the bounds apply to, e.g. score_name=faithfulness.",
            )
        low, high = self.score_min, self.score_max
        if low is not None and high is not None and low > high:
            raise ValidationError(
                f"score_min ({low:g}) is above score_max ({high:g})",
                hint="Give a minimum no larger than the maximum.",
            )
        return self


QueryT = TypeVar("QueryT", bound=_Query)


class SessionQuery(_Query):
    """Which sessions to list, most recently active first; filters apply to their traces."""

    app: str | None = Field(default=None, max_length=200)
    environment: str | None = Field(default=None, max_length=200)
    user_id: str | None = Field(default=None, max_length=200)


def parse_query(model: type[QueryT], data: Mapping[str, Any]) -> QueryT:
    """Validate *data* as *model* and check it; ``ValidationError`` names each bad field."""
    try:
        query = model.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'query'}: "
            + ("is not a filter here" if error["type"] == "extra_forbidden" else error["msg"])
            for error in exc.errors()
        )
        known = ", ".join(sorted(model.model_fields))
        raise ValidationError(
            f"the query is invalid: {problems}", hint=f"Known: {known}."
        ) from None
    return query.check()


def encode_cursor(key: JsonValue, last_id: str, fingerprint: str) -> str:
    """The opaque cursor after the row with sort key *key* and id *last_id*."""
    raw = json.dumps({"k": key, "i": last_id, "q": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def _cursor_error(reason: str) -> ValidationError:
    return ValidationError(
        f"cursor {reason}",
        hint="Pass the next_cursor of the previous page, with the same filters and sort; "
        "leave cursor out to start from the first page.",
    )


def decode_cursor(cursor: str, fingerprint: str) -> tuple[Any, str]:
    """The ``(sort key, id)`` a cursor holds; ``ValidationError`` naming ``cursor`` if foreign."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        key, last_id, made_for = data["k"], data["i"], data["q"]
    except (ValueError, binascii.Error, KeyError, TypeError, UnicodeError):
        raise _cursor_error("is not a cursor this server made") from None
    if made_for != fingerprint or not isinstance(last_id, str):
        raise _cursor_error("belongs to a query with other filters or another sort")
    return key, last_id


class TraceSummary(BaseModel):
    """One trace as listings show it (no span bodies)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    trace_id: str
    name: str | None
    kind: str | None
    has_root: bool = Field(description="False while the root span has not arrived.")
    app: str | None
    app_version: str | None
    environment: str | None
    variant: str | None
    rollout_step: int | None
    session_id: str | None
    user_id: str | None
    tags: list[str]
    start_time: datetime
    end_time: datetime
    duration_ms: float
    status: TraceStatus
    span_count: int
    error_count: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float | None = Field(description="None while no span of it could be priced.")
    input_preview: str | None
    output_preview: str | None


class TracePage(BaseModel):
    """One page of traces and the cursor of the next one (None on the last page)."""

    items: list[TraceSummary]
    next_cursor: str | None


class SpanNode(BaseModel):
    """One span of a trace tree, with its children ordered by start time."""

    span_id: str
    parent_span_id: str | None
    orphan: bool = Field(
        default=False, description="Its parent never arrived; it is shown at the root."
    )
    name: str
    kind: str
    start_time: datetime
    end_time: datetime
    duration_ms: float
    status: str
    status_message: str | None
    model: str | None
    provider: str | None
    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None
    reasoning_tokens: int | None
    cost_usd: float | None
    input: str | None
    output: str | None
    input_truncated: bool
    output_truncated: bool
    attributes: dict[str, JsonValue]
    events: list[JsonValue]
    children: list[SpanNode] = Field(default_factory=list)


class TraceTree(BaseModel):
    """One trace: its summary, its spans as a tree, and its scores (oldest first)."""

    trace: TraceSummary
    spans: list[SpanNode] = Field(description="Root spans (and orphans), by start time.")
    orphan_count: int
    scores: list[Score]


class SessionSummary(BaseModel):
    """One session (the traces that share a session id) as listings show it."""

    session_id: str
    first_time: datetime = Field(description="Start of its first trace.")
    last_time: datetime = Field(description="End of its last trace.")
    trace_count: int
    error_count: int = Field(description="Traces with status error.")
    total_tokens: int
    cost_usd: float | None
    users: list[str]


class SessionPage(BaseModel):
    """One page of sessions, most recently active first, and the next page's cursor."""

    items: list[SessionSummary]
    next_cursor: str | None


class SessionTurn(BaseModel):
    """One trace of a session as a conversation turn: full root input/output and scores."""

    trace: TraceSummary
    input: str | None = Field(description="The root span's input (may be cut at ingestion).")
    output: str | None
    scores: list[Score]


class SessionView(BaseModel):
    """One session as a conversation: its traces in time order."""

    session: SessionSummary
    turns: list[SessionTurn]
    more_turns: bool = Field(
        description=f"True when the session has more than {SESSION_MAX_TRACES} traces; "
        "only the first ones are here."
    )
