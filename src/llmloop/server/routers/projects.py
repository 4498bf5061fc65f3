"""``/api/v1/projects`` and ``/api/v1/project`` (the key's own project)."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from llmloop.domain.projects import Project
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(prefix="/api/v1", tags=["projects"], responses={401: {"model": ErrorBody}})


class ProjectCreate(BaseModel):
    """A new project."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100, examples=["support"])
    description: str = Field(default="", max_length=2000)


class ProjectList(BaseModel):
    """Projects visible to the key."""

    items: list[Project]


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    summary="Create a project (admin key)",
    responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def create_project(body: ProjectCreate, client: ClientForKey) -> Project:
    """Create a project."""
    return client.projects.create(body.name, description=body.description)


@router.get("/projects", summary="List projects")
def list_projects(client: ClientForKey) -> ProjectList:
    """All projects for an admin key; the key's own project for a project key."""
    return ProjectList(items=client.projects.list())


@router.get("/projects/{project}", summary="Get a project", responses={404: {"model": ErrorBody}})
def get_project(project: str, client: ClientForKey) -> Project:
    """One project, if the key may see it."""
    return client.projects.get(project)


@router.get("/project", summary="The key's own project", responses={404: {"model": ErrorBody}})
def current_project(client: ClientForKey) -> Project:
    """The project the key belongs to."""
    return client.projects.current()
