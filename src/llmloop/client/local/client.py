"""The embedded client: every resource over the local store, for one principal."""

from __future__ import annotations

import getpass
from collections.abc import Collection
from functools import cached_property

from llmloop.client.local.apps import LocalApps
from llmloop.client.local.context import LocalContext
from llmloop.client.local.keys import LocalKeys
from llmloop.client.local.metrics import LocalMetrics
from llmloop.client.local.model_refs import LocalModelRefs
from llmloop.client.local.projects import LocalProjects
from llmloop.client.local.prompts import LocalPrompts
from llmloop.client.local.scores import LocalScores
from llmloop.client.local.traces import LocalTraces
from llmloop.domain.clock import Clock, SystemClock
from llmloop.domain.names import validate_name
from llmloop.domain.projects import Principal
from llmloop.domain.prompts import DEFAULT_PROTECTED_LABELS
from llmloop.monitor.ingest import TraceIngestor, ingestor_from_settings
from llmloop.settings import Settings
from llmloop.store.database import Database
from llmloop.store.projects import ProjectRepository

__all__ = ["LocalClient"]


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class LocalClient:
    """``Client`` over the embedded store; the server uses one per request, for its key."""

    def __init__(
        self,
        database: Database,
        principal: Principal,
        *,
        clock: Clock | None = None,
        owns_database: bool = False,
        trace_ingestor: TraceIngestor | None = None,
        protected_labels: Collection[str] = DEFAULT_PROTECTED_LABELS,
    ) -> None:
        self.context = LocalContext(
            database, clock or SystemClock(), principal, frozenset(protected_labels)
        )
        self._owns_database = owns_database
        self._trace_ingestor = trace_ingestor

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> LocalClient:
        """The embedded user's client: an admin working in ``settings.project``.

        The project is created on first use, so a fresh store works with no set-up.
        """
        validate_name(settings.project, what="project")
        database = Database(settings.resolved_database_url)
        client = cls(
            database,
            Principal(actor=f"local:{_local_user()}", project=settings.project, admin=True),
            clock=clock,
            owns_database=True,
            trace_ingestor=ingestor_from_settings(settings, clock or SystemClock()),
            protected_labels=settings.protected_labels,
        )
        client.ensure_project()
        return client

    def ensure_project(self) -> None:
        """Create the principal's project if the store does not have it yet."""
        project = self.context.principal.project
        if project is None:
            return
        with self.context.database.session() as session:
            ProjectRepository(session).ensure(project, at=self.context.now())

    @cached_property
    def projects(self) -> LocalProjects:
        """Projects."""
        return LocalProjects(self.context)

    @cached_property
    def keys(self) -> LocalKeys:
        """API keys."""
        return LocalKeys(self.context)

    @cached_property
    def prompts(self) -> LocalPrompts:
        """Prompts."""
        return LocalPrompts(self.context)

    @cached_property
    def apps(self) -> LocalApps:
        """Apps."""
        return LocalApps(self.context)

    @cached_property
    def model_refs(self) -> LocalModelRefs:
        """Model references."""
        return LocalModelRefs(self.context)

    @cached_property
    def traces(self) -> LocalTraces:
        """Traces."""
        return LocalTraces(self.context, self._trace_ingestor)

    @cached_property
    def metrics(self) -> LocalMetrics:
        """Request metrics and samples."""
        return LocalMetrics(self.context)

    @cached_property
    def scores(self) -> LocalScores:
        """Scores, score configs and feedback."""
        return LocalScores(self.context)

    def close(self) -> None:
        """Close the store if this client opened it."""
        if self._owns_database:
            self.context.database.close()
