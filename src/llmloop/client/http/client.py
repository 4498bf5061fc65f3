"""The HTTP client: every resource over an llmloop server's REST API."""

from __future__ import annotations

from functools import cached_property

import httpx2

from llmloop.client.http.apps import HttpApps
from llmloop.client.http.keys import HttpKeys
from llmloop.client.http.metrics import HttpMetrics
from llmloop.client.http.model_refs import HttpModelRefs
from llmloop.client.http.projects import HttpProjects
from llmloop.client.http.prompts import HttpPrompts
from llmloop.client.http.scores import HttpScores
from llmloop.client.http.traces import HttpTraces
from llmloop.client.http.transport import HttpTransport
from llmloop.errors import ConfigurationError
from llmloop.settings import Settings

__all__ = ["HttpClient"]


class HttpClient:
    """``Client`` over REST; the server decides the project from the API key."""

    def __init__(self, transport: HttpTransport) -> None:
        self.transport = transport

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx2.BaseTransport | None = None
    ) -> HttpClient:
        """Build from ``server_url``, ``api_key`` and ``http_timeout_s``."""
        if not settings.server_url:
            raise ConfigurationError(
                "no server URL is set", hint="Set LLMLOOP_SERVER_URL, e.g. http://127.0.0.1:7800."
            )
        key = settings.api_key.get_secret_value() if settings.api_key else None
        return cls(
            HttpTransport(
                settings.server_url, key, timeout_s=settings.http_timeout_s, transport=transport
            )
        )

    @cached_property
    def projects(self) -> HttpProjects:
        """Projects."""
        return HttpProjects(self.transport)

    @cached_property
    def keys(self) -> HttpKeys:
        """API keys."""
        return HttpKeys(self.transport)

    @cached_property
    def prompts(self) -> HttpPrompts:
        """Prompts."""
        return HttpPrompts(self.transport)

    @cached_property
    def apps(self) -> HttpApps:
        """Apps."""
        return HttpApps(self.transport)

    @cached_property
    def model_refs(self) -> HttpModelRefs:
        """Model references."""
        return HttpModelRefs(self.transport)

    @cached_property
    def traces(self) -> HttpTraces:
        """Traces."""
        return HttpTraces(self.transport)

    @cached_property
    def metrics(self) -> HttpMetrics:
        """Request metrics and samples."""
        return HttpMetrics(self.transport)

    @cached_property
    def scores(self) -> HttpScores:
        """Scores, score configs and feedback."""
        return HttpScores(self.transport)

    def close(self) -> None:
        """Close pooled connections."""
        self.transport.close()
