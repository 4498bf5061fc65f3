"""Apps over the REST API."""

from __future__ import annotations

import builtins
from urllib.parse import quote

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.apps import (
    AppPushResult,
    AppSpec,
    AppSummary,
    AppVersion,
)

__all__ = ["HttpApps"]


def _path(name: str, *rest: str) -> str:
    return "/".join(["/api/v1/apps", quote(name, safe=""), *(quote(r, safe="") for r in rest)])


class HttpApps:
    """``AppsClient`` over ``/api/v1/apps``; the key's project is the one used."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    def push(self, name: str, spec: AppSpec, *, message: str = "") -> AppPushResult:
        """Store *spec* (references resolved) as a new version unless it is already stored."""
        body = self._http.request(
            "POST",
            _path(name, "versions"),
            json={"spec": spec.model_dump(mode="json"), "message": message},
        )
        return AppPushResult.model_validate(body)

    def list(self) -> list[AppSummary]:
        """Every app with its newest version."""
        body = self._http.request("GET", "/api/v1/apps")
        return [AppSummary.model_validate(item) for item in body["items"]]

    def get(self, reference: str) -> AppVersion:
        """The version *reference* names: ``NAME``, ``NAME@3`` or ``NAME@<hash prefix>``."""
        name, _, version = reference.strip().partition("@")
        path = _path(name, "versions", version) if version else _path(name)
        return AppVersion.model_validate(self._http.request("GET", path))

    def versions(self, name: str) -> builtins.list[AppVersion]:
        """Every version of an app, oldest first."""
        body = self._http.request("GET", _path(name, "versions"))
        return [AppVersion.model_validate(item) for item in body["items"]]
