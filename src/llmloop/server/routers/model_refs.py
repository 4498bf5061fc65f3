"""``/api/v1/model-refs``: named models (fine-tunes) of the key's project."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmloop.domain.model_refs import ModelRef, parse_model_ref_spec
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(
    prefix="/api/v1/model-refs",
    tags=["model-refs"],
    responses={
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)


class ModelRefList(BaseModel):
    """Model references of the key's project, by name."""

    items: list[ModelRef]


class ModelRefAdd(BaseModel):
    """A model reference to add: its name and what it says about the model."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The reference's name, e.g. 'support-ft-2026-11'.")
    # Validated by llmloop (not by the route) so that a bad field gets the same message,
    # naming the field and the reason, from the server as from the embedded store.
    spec: dict[str, JsonValue] = Field(
        description="provider, provider_model, base_model, training_data, notes "
        "(see docs/model-refs.md)."
    )


@router.get("", summary="List model references")
def list_model_refs(client: ClientForKey) -> ModelRefList:
    """Every model reference of the key's project."""
    return ModelRefList(items=client.model_refs.list())


@router.post("", summary="Add a model reference (a name is added once)")
def add_model_ref(body: ModelRefAdd, client: ClientForKey) -> ModelRef:
    """Store a new model reference; an existing name is 409."""
    return client.model_refs.add(body.name, parse_model_ref_spec(body.spec))


@router.get("/{model_ref}", summary="Get a model reference")
def get_model_ref(model_ref: str, client: ClientForKey) -> ModelRef:
    """The model reference named *model_ref*."""
    return client.model_refs.get(model_ref)
