"""Projects over the REST API."""

from __future__ import annotations

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.projects import Project

__all__ = ["HttpProjects"]


class HttpProjects:
    """``ProjectsClient`` over ``/api/v1/projects``."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    def create(self, name: str, *, description: str = "") -> Project:
        """Create a project (admin only)."""
        body = self._http.request(
            "POST", "/api/v1/projects", json={"name": name, "description": description}
        )
        return Project.model_validate(body)

    def list(self) -> list[Project]:
        """List the visible projects."""
        body = self._http.request("GET", "/api/v1/projects")
        return [Project.model_validate(item) for item in body["items"]]

    def get(self, name: str) -> Project:
        """Return one visible project."""
        return Project.model_validate(self._http.request("GET", f"/api/v1/projects/{name}"))

    def current(self) -> Project:
        """Return the key's own project."""
        return Project.model_validate(self._http.request("GET", "/api/v1/project"))
