"""``/api/v1/prompts``: versions, labels and label history of the key's project."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from llmloop.domain.prompts import (
    LabelEvent,
    PromptContent,
    PromptSummary,
    PromptVersion,
    PushResult,
)
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(
    prefix="/api/v1/prompts",
    tags=["prompts"],
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)


class PromptPush(BaseModel):
    """New content for a prompt."""

    model_config = ConfigDict(extra="forbid")

    content: PromptContent
    message: str = Field(default="", max_length=2000, description="The commit message.")


class LabelSet(BaseModel):
    """Where a label should point."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    reason: str = Field(
        default="", max_length=2000, description="Why; required for protected labels."
    )


class PromptList(BaseModel):
    """Prompts of the key's project."""

    items: list[PromptSummary]


class PromptVersionList(BaseModel):
    """Versions of a prompt, oldest first."""

    items: list[PromptVersion]


class LabelEventList(BaseModel):
    """Label changes, newest first."""

    items: list[LabelEvent]


@router.get("", summary="List prompts")
def list_prompts(client: ClientForKey) -> PromptList:
    """Every prompt of the key's project with its newest version and labels."""
    return PromptList(items=client.prompts.list())


@router.post(
    "/{prompt}/versions",
    summary="Push content; a new version unless it equals the newest (then 'created' is false)",
)
def push_prompt(prompt: str, body: PromptPush, client: ClientForKey) -> PushResult:
    """Store the content as the next version of *prompt*; unchanged content makes none."""
    return client.prompts.push(prompt, body.content, message=body.message)


@router.get("/{prompt}/versions", summary="List a prompt's versions")
def list_versions(prompt: str, client: ClientForKey) -> PromptVersionList:
    """Every version of *prompt*, oldest first."""
    return PromptVersionList(items=client.prompts.versions(prompt))


@router.get("/{prompt}", summary="Get a version by number, by label, or the newest")
def get_prompt(
    prompt: str,
    client: ClientForKey,
    version: Annotated[int | None, Query(ge=1)] = None,
    label: Annotated[str | None, Query(max_length=100)] = None,
) -> PromptVersion:
    """One version of *prompt*."""
    return client.prompts.get(prompt, version=version, label=label)


@router.put(
    "/{prompt}/labels/{label}",
    summary="Point a label at a version (protected labels need a reason and are audited)",
)
def set_label(prompt: str, label: str, body: LabelSet, client: ClientForKey) -> LabelEvent:
    """Set or move *label* of *prompt*."""
    return client.prompts.set_label(prompt, label, body.version, reason=body.reason)


@router.delete(
    "/{prompt}/labels/{label}",
    summary="Delete a label (protected labels need a reason and are audited)",
)
def delete_label(
    prompt: str,
    label: str,
    client: ClientForKey,
    reason: Annotated[str, Query(max_length=2000)] = "",
) -> LabelEvent:
    """Remove *label* of *prompt*."""
    return client.prompts.delete_label(prompt, label, reason=reason)


@router.get("/{prompt}/history", summary="A prompt's label history")
def label_history(
    prompt: str,
    client: ClientForKey,
    label: Annotated[str | None, Query(max_length=100)] = None,
) -> LabelEventList:
    """Every label change of *prompt* (of one label when given), newest first."""
    return LabelEventList(items=client.prompts.history(prompt, label=label))
