"""What the app holds for its lifetime: settings, the store and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from llmloop.domain.clock import Clock
from llmloop.settings import Settings
from llmloop.store.database import Database

__all__ = ["ServerState"]


@dataclass(frozen=True)
class ServerState:
    """The server's long-lived parts, kept on ``app.state``."""

    settings: Settings
    database: Database
    clock: Clock

    @staticmethod
    def of(app: FastAPI) -> ServerState:
        """The state of *app*."""
        state = app.state.llmloop
        assert isinstance(state, ServerState)
        return state
