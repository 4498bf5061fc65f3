"""``/api/v1/apps``: immutable, content-hashed versions of the key's project's apps."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmloop.domain.apps import AppPushResult, AppSummary, AppVersion, parse_app_spec
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(
    prefix="/api/v1/apps",
    tags=["apps"],
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)


class AppPush(BaseModel):
    """A spec to store as an app version."""

    model_config = ConfigDict(extra="forbid")

    # Validated by llmloop (not by the route) so that a bad spec gets the same message,
    # naming the field and the reason, from the server as from the embedded store.
    spec: dict[str, JsonValue] = Field(
        description="An app spec of kind 'prompt', 'python', 'rag' or 'agent' (see docs/apps.md)."
    )
    message: str = Field(default="", max_length=2000, description="Why this version.")


class AppList(BaseModel):
    """Apps of the key's project."""

    items: list[AppSummary]


class AppVersionList(BaseModel):
    """Versions of an app, oldest first."""

    items: list[AppVersion]


@router.get("", summary="List apps")
def list_apps(client: ClientForKey) -> AppList:
    """Every app of the key's project with its newest version."""
    return AppList(items=client.apps.list())


@router.post(
    "/{app}/versions",
    summary="Push a spec; a new version unless the same spec is stored (then 'created' is false)",
)
def push_app(app: str, body: AppPush, client: ClientForKey) -> AppPushResult:
    """Resolve the spec's references and store it as an immutable version of *app*."""
    return client.apps.push(app, parse_app_spec(body.spec), message=body.message)


@router.get("/{app}/versions", summary="List an app's versions")
def list_app_versions(app: str, client: ClientForKey) -> AppVersionList:
    """Every version of *app*, oldest first."""
    return AppVersionList(items=client.apps.versions(app))


@router.get("/{app}", summary="Get an app's newest version")
def get_app(app: str, client: ClientForKey) -> AppVersion:
    """The newest version of *app*."""
    return client.apps.get(app)


@router.get("/{app}/versions/{version}", summary="Get one version by number or hash prefix")
def get_app_version(app: str, version: str, client: ClientForKey) -> AppVersion:
    """The version of *app* numbered *version*, or whose hash starts with *version*."""
    return client.apps.get(f"{app}@{version}")
