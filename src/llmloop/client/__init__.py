"""Resource clients: the embedded store or an llmloop server, behind one interface."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmloop.client.protocols import (
    Client,
    KeysClient,
    ProjectsClient,
    PromptsClient,
    TracesClient,
)

if TYPE_CHECKING:
    from llmloop.domain.clock import Clock
    from llmloop.settings import Settings

__all__ = ["Client", "KeysClient", "ProjectsClient", "PromptsClient", "TracesClient", "connect"]


def connect(settings: Settings | None = None, *, clock: Clock | None = None) -> Client:
    """Return the client that *settings* call for: HTTP when a server URL is set, else local.

    The embedded implementation (and with it SQLAlchemy) is imported only here, on first use.
    """
    from llmloop.settings import load_settings

    settings = settings or load_settings()
    if settings.uses_server:
        from llmloop.client.http import HttpClient

        return HttpClient.from_settings(settings)
    from llmloop.client.local import LocalClient

    return LocalClient.from_settings(settings, clock=clock)
