"""One client interface per resource, implemented twice: embedded store and HTTP.

The CLI and the SDK program against these protocols; :func:`llmloop.client.connect` picks the
implementation from settings. One set of contract tests runs against both.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Protocol

from llmloop.domain.apps import (
    AppPushResult,
    AppSummary,
    AppVersion,
    PromptAppSpec,
    PythonAppSpec,
)
from llmloop.domain.model_refs import ModelRef, ModelRefSpec
from llmloop.domain.projects import ApiKeyInfo, CreatedApiKey, KeyScope, Project
from llmloop.domain.prompts import (
    LabelEvent,
    PromptContent,
    PromptSummary,
    PromptVersion,
    PushResult,
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
    "ModelRefsClient",
    "ProjectsClient",
    "PromptsClient",
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

    def push(
        self, name: str, spec: PromptAppSpec | PythonAppSpec, *, message: str = ""
    ) -> AppPushResult:
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

    def close(self) -> None:
        """Release connections."""
        ...
