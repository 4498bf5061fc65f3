"""Connecting an application to llmloop: a server when one is configured, else the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmloop.client.protocols import Client
    from llmloop.domain.clock import Clock

__all__ = ["connect"]


def connect(*, clock: Clock | None = None, **settings: Any) -> Client:
    """Return a resource client; keyword arguments override settings (``server_url=...``)."""
    from llmloop.client import connect as connect_client
    from llmloop.settings import load_settings

    return connect_client(load_settings(**settings), clock=clock)
