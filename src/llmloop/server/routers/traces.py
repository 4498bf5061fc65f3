"""``/api/v1/traces`` and ``/api/v1/sessions``: reading the key's project's traces back.

Filters are query parameters named like the fields of ``TraceQuery`` / ``SessionQuery``
(``tags`` repeats: ``?tags=eval&tags=smoke``); a parameter these do not know is refused with
422 naming it, so a typo never silently widens a listing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from llmloop.domain.trace_queries import (
    SessionPage,
    SessionQuery,
    SessionView,
    TracePage,
    TraceQuery,
    TraceTree,
)
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(
    prefix="/api/v1",
    tags=["traces"],
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)


@router.get("/traces", summary="List traces (filtered, sorted, one page)")
def list_traces(query: Annotated[TraceQuery, Query()], client: ClientForKey) -> TracePage:
    """One page of the project's traces; pass `next_cursor` back as `cursor` for the next."""
    return client.traces.list(query)


@router.get("/traces/{trace_id}", summary="Get a trace with its span tree and scores")
def get_trace(trace_id: str, client: ClientForKey) -> TraceTree:
    """One trace: summary, spans as a tree (orphans at the root, flagged) and scores."""
    return client.traces.get(trace_id)


@router.get("/sessions", summary="List sessions, most recently active first")
def list_sessions(query: Annotated[SessionQuery, Query()], client: ClientForKey) -> SessionPage:
    """One page of the project's sessions (traces sharing a session id)."""
    return client.traces.sessions(query)


@router.get("/sessions/{session_id}", summary="Get a session as a conversation")
def get_session(session_id: str, client: ClientForKey) -> SessionView:
    """One session: its traces in time order with root input/output and scores."""
    return client.traces.session(session_id)
