"""``/healthz``: the one endpoint that needs no key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from llmloop import __version__
from llmloop.server.state import ServerState

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server is up and its store is usable."""

    status: str
    version: str
    database: str
    schema_revision: str | None


@router.get("/healthz", summary="Liveness and store check")
def healthz(request: Request) -> Health:
    """Answer 200 when the server and its database work, 503 when the database does not."""
    database = ServerState.of(request.app).database
    revision = database.current_revision()
    return Health(
        status="ok", version=__version__, database=database.dialect, schema_revision=revision
    )
