"""One client interface per resource, implemented twice: embedded store and HTTP.

The CLI and the SDK program against these protocols; :func:`llmloop.client.connect` picks the
implementation from settings. One set of contract tests runs against both.
"""

from __future__ import annotations

from typing import Protocol

from llmloop.domain.projects import ApiKeyInfo, CreatedApiKey, KeyScope, Project

__all__ = ["Client", "KeysClient", "ProjectsClient"]


class ProjectsClient(Protocol):
    """Projects (tenants)."""

    def create(self, name: str, *, description: str = "") -> Project:
        """Create a project (admin only)."""
        ...

    def list(self) -> list[Project]:
        """List the projects this client can see."""
        ...

    def get(self, name: str) -> Project:
        """Return one project."""
        ...

    def current(self) -> Project:
        """Return the project this client works in."""
        ...


class KeysClient(Protocol):
    """API keys of a project, and admin keys."""

    def create(
        self, name: str, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> CreatedApiKey:
        """Make a key (admin only); its secret is in the result and nowhere else, ever."""
        ...

    def list(
        self, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> list[ApiKeyInfo]:
        """List a project's keys (the current project by default), or the admin keys."""
        ...

    def revoke(
        self, key_id: str, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> ApiKeyInfo:
        """Revoke a key (admin only); it stops authenticating at once."""
        ...


class Client(Protocol):
    """Everything a CLI command or an SDK call needs, whichever side of the wire it is on."""

    @property
    def projects(self) -> ProjectsClient:
        """Projects."""
        ...

    @property
    def keys(self) -> KeysClient:
        """API keys."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
