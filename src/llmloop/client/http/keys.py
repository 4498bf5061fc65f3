"""API keys over the REST API."""

from __future__ import annotations

from urllib.parse import quote

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.projects import ApiKeyInfo, CreatedApiKey, KeyScope
from llmloop.errors import ValidationError

__all__ = ["HttpKeys"]


class HttpKeys:
    """``KeysClient`` over ``/api/v1/projects/{project}/keys`` and ``/api/v1/admin-keys``."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    def _base(self, project: str | None, scope: KeyScope) -> str:
        if scope is KeyScope.ADMIN:
            if project is not None:
                raise ValidationError(
                    "admin keys belong to no project",
                    hint="Leave out the project when you make or list admin keys.",
                )
            return "/api/v1/admin-keys"
        if project is None:
            project = str(self._http.request("GET", "/api/v1/project")["name"])
        return f"/api/v1/projects/{quote(project, safe='')}/keys"

    def create(
        self, name: str, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> CreatedApiKey:
        """Make a key (admin only)."""
        payload = {"name": name}
        if scope is KeyScope.FEEDBACK:
            payload["scope"] = scope.value
        body = self._http.request("POST", self._base(project, scope), json=payload)
        return CreatedApiKey.model_validate(body)

    def list(
        self, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> list[ApiKeyInfo]:
        """List keys of a visible project, or the admin keys."""
        body = self._http.request("GET", self._base(project, scope))
        return [ApiKeyInfo.model_validate(item) for item in body["items"]]

    def revoke(
        self, key_id: str, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> ApiKeyInfo:
        """Revoke a key (admin only)."""
        path = f"{self._base(project, scope)}/{quote(key_id, safe='')}"
        return ApiKeyInfo.model_validate(self._http.request("DELETE", path))
