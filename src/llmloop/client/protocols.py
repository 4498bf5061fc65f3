"""One client interface per resource, implemented twice: embedded store and HTTP.

The CLI and the SDK program against these protocols; :func:`llmloop.client.connect` picks the
implementation from settings. One set of contract tests runs against both.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from llmloop.domain.apps import (
    AppPushResult,
    AppSpec,
    AppSummary,
    AppVersion,
)
from llmloop.domain.metrics import MetricsResult, SampleSet
from llmloop.domain.model_refs import ModelRef, ModelRefSpec
from llmloop.domain.projects import ApiKeyInfo, CreatedApiKey, KeyScope, Project
from llmloop.domain.prompts import (
    LabelEvent,
    PromptContent,
    PromptSummary,
    PromptVersion,
    PushResult,
)
from llmloop.domain.scores import (
    Score,
    ScoreConfig,
    ScoreConfigSpec,
    ScorePage,
    ScoreSource,
    ScoreValue,
)
from llmloop.domain.trace_queries import (
    SessionPage,
    SessionQuery,
    SessionView,
    TracePage,
    TraceQuery,
    TraceTree,
)
from llmloop.domain.traces import IngestResult

if TYPE_CHECKING:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

__all__ = [
    "AppsClient",
    "Client",
    "KeysClient",
    "MetricsClient",
    "ModelRefsClient",
    "ProjectsClient",
    "PromptsClient",
    "ScoresClient",
    "TracesClient",
]


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


class PromptsClient(Protocol):
    """Prompts of the current project: immutable versions and labels pointing at them."""

    def push(self, name: str, content: PromptContent, *, message: str = "") -> PushResult:
        """Store *content* as the next version, unless it equals the newest one."""
        ...

    def list(self) -> list[PromptSummary]:
        """Every prompt with its newest version and labels."""
        ...

    def get(
        self, name: str, *, version: int | None = None, label: str | None = None
    ) -> PromptVersion:
        """One version: by number, by label, or the newest when neither is given."""
        ...

    def versions(self, name: str) -> builtins.list[PromptVersion]:
        """Every version of a prompt, oldest first."""
        ...

    def set_label(self, name: str, label: str, version: int, *, reason: str = "") -> LabelEvent:
        """Point *label* at *version*; protected labels need a reason and are audited."""
        ...

    def delete_label(self, name: str, label: str, *, reason: str = "") -> LabelEvent:
        """Remove *label*; protected labels need a reason and are audited."""
        ...

    def history(self, name: str, *, label: str | None = None) -> builtins.list[LabelEvent]:
        """Every label change of a prompt (of one label when given), newest first."""
        ...


class AppsClient(Protocol):
    """Apps of the current project: immutable versions named by their content hash."""

    def push(self, name: str, spec: AppSpec, *, message: str = "") -> AppPushResult:
        """Resolve the spec's references and store it, unless the same spec is stored."""
        ...

    def list(self) -> list[AppSummary]:
        """Every app with its newest version."""
        ...

    def get(self, reference: str) -> AppVersion:
        """The version *reference* names: ``NAME``, ``NAME@3`` or ``NAME@<hash prefix>``."""
        ...

    def versions(self, name: str) -> builtins.list[AppVersion]:
        """Every version of an app, oldest first."""
        ...


class ModelRefsClient(Protocol):
    """Model references of the current project: named models such as fine-tunes."""

    def add(self, name: str, spec: ModelRefSpec) -> ModelRef:
        """Store a new model reference; an existing name is a ``ConflictError``."""
        ...

    def list(self) -> builtins.list[ModelRef]:
        """Every model reference of the project, by name."""
        ...

    def get(self, name: str) -> ModelRef:
        """The model reference named *name*."""
        ...


class TracesClient(Protocol):
    """Traces of the current project: spans in, as OpenTelemetry (OTLP) requests."""

    def ingest(self, request: ExportTraceServiceRequest) -> IngestResult:
        """Store the valid spans of an OTLP request (committed on return); report the rest.

        Spans already stored count as accepted and are not stored twice. A request whose
        every span is refused raises ``ValidationError`` with the reasons.
        """
        ...

    def list(self, query: TraceQuery | None = None) -> TracePage:
        """One page of traces matching *query* (newest first by default).

        Pass the page's ``next_cursor`` as ``query.cursor`` (same filters) for the next page.
        """
        ...

    def get(self, trace_id: str) -> TraceTree:
        """One trace: summary, spans as a tree, and scores; ``NotFoundError`` if unknown."""
        ...

    def sessions(self, query: SessionQuery | None = None) -> SessionPage:
        """One page of sessions, most recently active first."""
        ...

    def session(self, session_id: str) -> SessionView:
        """One session as a conversation; ``NotFoundError`` if no trace carries its id."""
        ...


class ScoresClient(Protocol):
    """Scores on traces and spans, score configs and end-user feedback of the current project."""

    def add(
        self,
        trace_id: str,
        name: str,
        value: ScoreValue,
        *,
        span_id: str | None = None,
        data_type: str | None = None,
        source: ScoreSource | str = ScoreSource.HUMAN,
        comment: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Score:
        """Record a score; a config of *name* must be matched, and a known key returns the first.

        The same *idempotency_key* with a different score is a ``ConflictError``.
        """
        ...

    def feedback(
        self,
        trace_id: str,
        *,
        thumbs: bool | None = None,
        rating: float | None = None,
        comment: str | None = None,
        span_id: str | None = None,
        user_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Score:
        """Record end-user feedback (source ``user_feedback``): exactly one of thumbs or rating."""
        ...

    def get(self, score_id: str) -> Score:
        """Return one score."""
        ...

    def list(
        self,
        *,
        trace_id: str | None = None,
        span_id: str | None = None,
        name: str | None = None,
        source: ScoreSource | str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> ScorePage:
        """One page of scores, newest first; pass ``next_cursor`` back for the next page."""
        ...

    def set_config(self, name: str, spec: ScoreConfigSpec) -> ScoreConfig:
        """Create or replace the config of score *name*."""
        ...

    def list_configs(self) -> builtins.list[ScoreConfig]:
        """Every score config, by name."""
        ...

    def get_config(self, name: str) -> ScoreConfig:
        """Return the config of score *name*."""
        ...


class MetricsClient(Protocol):
    """Request metrics of the current project's traces, and raw samples for canary analysis."""

    def query(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        bucket: str = "1h",
        group_by: str | Sequence[str] = (),
        app: str | None = None,
        version: str | None = None,
        environment: str | None = None,
        variant: str | None = None,
        include_eval: bool = False,
    ) -> MetricsResult:
        """Request metrics per bucket (and group) over ``[start, end)``; default the last 24h.

        A request is a trace; grouped by ``model`` it is an LLM call. Evaluation traces
        (tagged ``eval``) count only with *include_eval*.
        """
        ...

    def samples(
        self,
        app: str,
        *,
        versions: Sequence[str] = (),
        variants: Sequence[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        environment: str | None = None,
        include_eval: bool = False,
        limit: int = 1_000,
    ) -> SampleSet:
        """The raw requests of two versions (or variants) of *app*, oldest first.

        ``truncated`` is set when more than *limit* requests matched.
        """
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

    @property
    def prompts(self) -> PromptsClient:
        """Prompts."""
        ...

    @property
    def apps(self) -> AppsClient:
        """Apps."""
        ...

    @property
    def model_refs(self) -> ModelRefsClient:
        """Model references."""
        ...

    @property
    def traces(self) -> TracesClient:
        """Traces."""
        ...

    @property
    def metrics(self) -> MetricsClient:
        """Request metrics and samples."""
        ...

    @property
    def scores(self) -> ScoresClient:
        """Scores, score configs and feedback."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
