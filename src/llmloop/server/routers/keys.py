"""``/api/v1/projects/{project}/keys`` and ``/api/v1/admin-keys``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from llmloop.domain.projects import ApiKeyInfo, CreatedApiKey, KeyScope
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(
    prefix="/api/v1",
    tags=["keys"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


class KeyCreate(BaseModel):
    """A new API key."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100, examples=["ci"])


class ProjectKeyCreate(KeyCreate):
    """A new key of a project: a full project key, or a public feedback-only key."""

    scope: Literal[KeyScope.PROJECT, KeyScope.FEEDBACK] = Field(
        default=KeyScope.PROJECT,
        description="'feedback': a public key that may only POST /api/v1/feedback.",
    )


class KeyList(BaseModel):
    """Keys, without their secrets."""

    items: list[ApiKeyInfo]


@router.post(
    "/projects/{project}/keys",
    status_code=status.HTTP_201_CREATED,
    summary="Make a project key (admin key); the secret is in this reply only",
)
def create_project_key(project: str, body: ProjectKeyCreate, client: ClientForKey) -> CreatedApiKey:
    """Make a key for *project*."""
    return client.keys.create(body.name, project=project, scope=body.scope)


@router.get("/projects/{project}/keys", summary="List a project's keys")
def list_project_keys(project: str, client: ClientForKey) -> KeyList:
    """Keys of *project*, if the key may see it."""
    return KeyList(items=client.keys.list(project=project))


@router.delete("/projects/{project}/keys/{key_id}", summary="Revoke a project key (admin key)")
def revoke_project_key(project: str, key_id: str, client: ClientForKey) -> ApiKeyInfo:
    """Revoke a key of *project*; it stops working at once."""
    return client.keys.revoke(key_id, project=project)


@router.post(
    "/admin-keys",
    status_code=status.HTTP_201_CREATED,
    summary="Make an admin key (admin key); the secret is in this reply only",
)
def create_admin_key(body: KeyCreate, client: ClientForKey) -> CreatedApiKey:
    """Make an admin key."""
    return client.keys.create(body.name, scope=KeyScope.ADMIN)


@router.get("/admin-keys", summary="List admin keys (admin key)")
def list_admin_keys(client: ClientForKey) -> KeyList:
    """All admin keys."""
    return KeyList(items=client.keys.list(scope=KeyScope.ADMIN))


@router.delete("/admin-keys/{key_id}", summary="Revoke an admin key (admin key)")
def revoke_admin_key(key_id: str, client: ClientForKey) -> ApiKeyInfo:
    """Revoke an admin key."""
    return client.keys.revoke(key_id, scope=KeyScope.ADMIN)
