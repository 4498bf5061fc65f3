"""Model references in the embedded store; members of a project may add them."""

from __future__ import annotations

import builtins

from sqlalchemy.orm import Session

from llmloop.client.local.context import LocalContext
from llmloop.domain.apps import AppSpec
from llmloop.domain.model_refs import (
    MODEL_REF_PREFIX,
    ModelRef,
    ModelRefSpec,
    parse_model_ref_spec,
)
from llmloop.domain.names import validate_name
from llmloop.errors import NotFoundError, ValidationError
from llmloop.store.model_refs import ModelRefRepository

__all__ = ["LocalModelRefs", "resolve_model_ref"]


def resolve_model_ref(session: Session, project_id: int, spec: AppSpec) -> AppSpec:
    """The spec with ``model: ref/NAME`` replaced by the reference's ``PROFILE/MODEL``."""
    if spec.model is None or not spec.model.startswith(MODEL_REF_PREFIX):
        return spec
    name = spec.model.removeprefix(MODEL_REF_PREFIX)
    try:
        ref = ModelRefRepository(session, project_id).get(
            validate_name(name, what="model reference")
        )
    except (NotFoundError, ValidationError) as error:
        raise ValidationError(
            f"the app spec is invalid: model: {error.message}",
            hint="Add it first with `llmloop model add`, or name a model as PROFILE/MODEL.",
        ) from None
    return spec.model_copy(update={"model": ref.address})


class LocalModelRefs:
    """``ModelRefsClient`` over the embedded store."""

    def __init__(self, context: LocalContext) -> None:
        self._ctx = context

    def add(self, name: str, spec: ModelRefSpec) -> ModelRef:
        """Store a new model reference; an existing name is a ``ConflictError``."""
        validate_name(name, what="model reference")
        spec = parse_model_ref_spec(spec.model_dump(mode="json"))
        with self._ctx.database.session() as session:
            return ModelRefRepository(session, self._ctx.project_id(session)).add(
                name, spec, actor=self._ctx.principal.actor, at=self._ctx.now()
            )

    def list(self) -> builtins.list[ModelRef]:
        """Every model reference of the project, by name."""
        with self._ctx.database.session() as session:
            return ModelRefRepository(session, self._ctx.project_id(session)).list()

    def get(self, name: str) -> ModelRef:
        """The model reference named *name*."""
        validate_name(name, what="model reference")
        with self._ctx.database.session() as session:
            return ModelRefRepository(session, self._ctx.project_id(session)).get(name)
