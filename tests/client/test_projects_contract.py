"""Contract: projects behave the same on the embedded store and over HTTP, on both dialects."""

from __future__ import annotations

import pytest

from llmloop.client.protocols import Client
from llmloop.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError


def test_admin_creates_lists_and_gets_projects(admin_client: Client) -> None:
    created = admin_client.projects.create("support", description="the support bot")
    assert created.name == "support"
    assert created.description == "the support bot"
    names = [p.name for p in admin_client.projects.list()]
    assert names == sorted(names)
    assert {"default", "support"} <= set(names)
    assert admin_client.projects.get("support") == created


def test_duplicate_project_is_a_conflict(admin_client: Client) -> None:
    admin_client.projects.create("support")
    with pytest.raises(ConflictError, match="'support' already exists"):
        admin_client.projects.create("support", description="again")
    assert admin_client.projects.get("support").description == ""


@pytest.mark.parametrize("bad", ["Support", "has space", "-dash", "a" * 101, ""])
def test_invalid_project_names_are_refused(admin_client: Client, bad: str) -> None:
    with pytest.raises(ValidationError):
        admin_client.projects.create(bad)
    assert all(p.name != bad for p in admin_client.projects.list())


def test_missing_project_is_not_found(admin_client: Client) -> None:
    with pytest.raises(NotFoundError, match="'nope' does not exist"):
        admin_client.projects.get("nope")


def test_a_project_member_sees_only_its_project(
    project_client: Client, admin_client: Client
) -> None:
    admin_client.projects.create("billing")
    assert [p.name for p in project_client.projects.list()] == ["default"]
    assert project_client.projects.current().name == "default"
    with pytest.raises(NotFoundError):
        project_client.projects.get("billing")


def test_a_project_member_cannot_create_projects(project_client: Client) -> None:
    with pytest.raises(PermissionDeniedError, match="admin key"):
        project_client.projects.create("mine")
