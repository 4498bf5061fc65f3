"""Apps in the embedded store: push resolves references, then stores an immutable version."""

from __future__ import annotations

import builtins

from sqlalchemy.orm import Session

from llmloop.client.local.context import LocalContext
from llmloop.client.local.model_refs import resolve_model_ref
from llmloop.domain.apps import (
    AppPushResult,
    AppSpec,
    AppSummary,
    AppVersion,
    PromptAppSpec,
    RagAppSpec,
    parse_app_reference,
    parse_app_spec,
)
from llmloop.domain.names import parse_reference, validate_name
from llmloop.domain.prompts import PromptVersion
from llmloop.errors import ConflictError, NotFoundError, ValidationError
from llmloop.store.apps import AppRepository
from llmloop.store.prompts import PromptRepository

__all__ = ["LocalApps"]

_PUSH_ATTEMPTS = 20


def _resolve_prompt(session: Session, project_id: int, text: str) -> PromptVersion:
    """The exact prompt version a spec's ``prompt`` names; refusals name the field."""
    try:
        reference = parse_reference(text, what="prompt")
        prompts = PromptRepository(session, project_id)
        if reference.label is not None and reference.label != "latest":
            return prompts.resolve_label(reference.name, reference.label)
        return prompts.get_version(reference.name, reference.version)
    except (NotFoundError, ValidationError) as error:
        raise ValidationError(
            f"the app spec is invalid: prompt: {error.message}",
            hint="Push the prompt first (`llmloop prompt push`), or fix the reference "
            "(NAME, NAME@VERSION or NAME:LABEL).",
        ) from None


def _resolve_rag(session: Session, project_id: int, spec: RagAppSpec) -> RagAppSpec:
    """A RAG spec's prompt made exact; files need the hash the pusher computed."""
    if spec.documents.paths and spec.documents_sha256 is None:
        raise ValidationError(
            "the app spec is invalid: documents_sha256: is missing, and documents.paths "
            "names files only the pusher can read",
            hint="Push with `llmloop app push` or llmloop.push_app(), which read the documents "
            "and set it.",
        )
    if spec.prompt is None:
        return spec
    version = _resolve_prompt(session, project_id, spec.prompt)
    return spec.model_copy(update={"prompt": f"{version.name}@{version.version}"})


def resolve_spec(session: Session, project_id: int, spec: AppSpec) -> AppSpec:
    """The spec with every reference made exact (``support:production`` -> ``support@4``)."""
    spec = resolve_model_ref(session, project_id, spec)
    if isinstance(spec, RagAppSpec):
        return _resolve_rag(session, project_id, spec)
    if not isinstance(spec, PromptAppSpec):
        return spec
    version = _resolve_prompt(session, project_id, spec.prompt)
    default_model = version.content.parameters.model
    if spec.model is None and (default_model is None or "/" not in default_model):
        raise ValidationError(
            f"the app spec is invalid: model: the app names none, and prompt "
            f"{version.name}@{version.version}'s model ({default_model or 'none'}) is not "
            "PROFILE/MODEL",
            hint="Add 'model: PROFILE/MODEL' to the spec, e.g. 'model: local/extractive'.",
        )
    return spec.model_copy(update={"prompt": f"{version.name}@{version.version}"})


class LocalApps:
    """``AppsClient`` over the embedded store; members of a project may push."""

    def __init__(self, context: LocalContext) -> None:
        self._ctx = context

    def push(self, name: str, spec: AppSpec, *, message: str = "") -> AppPushResult:
        """Store *spec* (references resolved) as a new version unless it is already stored."""
        validate_name(name, what="app")
        spec = parse_app_spec(spec.model_dump(mode="json"))
        for attempt in range(_PUSH_ATTEMPTS):
            try:
                with self._ctx.database.session() as session:
                    project_id = self._ctx.project_id(session)
                    resolved = resolve_spec(session, project_id, spec)
                    version, created = AppRepository(session, project_id).push(
                        name,
                        resolved,
                        message=message,
                        actor=self._ctx.principal.actor,
                        at=self._ctx.now(),
                    )
                return AppPushResult(version=version, created=created)
            except ConflictError:
                if attempt == _PUSH_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def list(self) -> list[AppSummary]:
        """Every app with its newest version."""
        with self._ctx.database.session() as session:
            return AppRepository(session, self._ctx.project_id(session)).list()

    def get(self, reference: str) -> AppVersion:
        """The version *reference* names: ``NAME``, ``NAME@3`` or ``NAME@<hash prefix>``."""
        parsed = parse_app_reference(reference)
        with self._ctx.database.session() as session:
            return AppRepository(session, self._ctx.project_id(session)).get(parsed)

    def versions(self, name: str) -> builtins.list[AppVersion]:
        """Every version of an app, oldest first."""
        validate_name(name, what="app")
        with self._ctx.database.session() as session:
            return AppRepository(session, self._ctx.project_id(session)).versions(name)
