"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from llmloop import __version__
from llmloop.domain.clock import Clock, SystemClock
from llmloop.server.cors import FeedbackCorsMiddleware
from llmloop.server.errors import install_error_handlers
from llmloop.server.routers import apps, health, keys, model_refs, otlp, projects, prompts
from llmloop.server.routers import feedback as feedback_router
from llmloop.server.routers import metrics as metrics_router
from llmloop.server.routers import scores as scores_router
from llmloop.server.routers import traces as traces_router
from llmloop.server.state import ServerState
from llmloop.settings import Settings
from llmloop.store.database import Database

__all__ = ["create_app"]


def create_app(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the server for *settings*; pass *database* or *clock* to share or simulate them."""
    app = FastAPI(
        title="llmloop",
        version=__version__,
        summary="Build, evaluate, deploy and monitor LLM applications as one loop.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.llmloop = ServerState(
        settings=settings,
        database=database or Database(settings.resolved_database_url),
        clock=clock or SystemClock(),
    )
    install_error_handlers(app)
    app.add_middleware(FeedbackCorsMiddleware, allowed_origins=settings.feedback_allowed_origins)
    for module in (
        health,
        projects,
        keys,
        prompts,
        otlp,
        apps,
        model_refs,
        metrics_router,
        scores_router,
        feedback_router,
        traces_router,
    ):
        app.include_router(module.router)
    return app
