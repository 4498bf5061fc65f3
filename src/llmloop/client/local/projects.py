"""Projects in the embedded store."""

from __future__ import annotations

from llmloop.client.local.context import LocalContext
from llmloop.domain.names import validate_name
from llmloop.domain.projects import Project
from llmloop.store.projects import ProjectRepository

__all__ = ["LocalProjects"]


class LocalProjects:
    """``ProjectsClient`` over the embedded store."""

    def __init__(self, context: LocalContext) -> None:
        self._ctx = context

    def create(self, name: str, *, description: str = "") -> Project:
        """Create a project (admin only)."""
        self._ctx.require_admin("create projects")
        validate_name(name, what="project")
        with self._ctx.database.session() as session:
            project_id, project = ProjectRepository(session).create(
                name, description, at=self._ctx.now()
            )
            self._ctx.audit(session, project_id=project_id, action="project.create", target=name)
        return project

    def list(self) -> list[Project]:
        """List the visible projects."""
        with self._ctx.database.session() as session:
            projects = ProjectRepository(session).list()
        if self._ctx.principal.admin:
            return projects
        return [p for p in projects if p.name == self._ctx.principal.project]

    def get(self, name: str) -> Project:
        """Return one visible project."""
        with self._ctx.database.session() as session:
            return ProjectRepository(session).get(self._ctx.project_name(name))

    def current(self) -> Project:
        """Return the principal's own project."""
        with self._ctx.database.session() as session:
            return ProjectRepository(session).get(self._ctx.project_name(None))
