"""Contract: API keys behave the same on the embedded store and over HTTP, on both dialects."""

from __future__ import annotations

import pytest

from llmloop.client.protocols import Client
from llmloop.domain.projects import KeyScope
from llmloop.errors import NotFoundError, PermissionDeniedError, ValidationError


def test_a_key_is_shown_once_then_listed_without_its_secret(admin_client: Client) -> None:
    created = admin_client.keys.create("ci", project="default")
    assert created.secret.startswith(f"llk_{created.info.key_id}_")
    listed = admin_client.keys.list(project="default")
    assert [k.key_id for k in listed] == [created.info.key_id]
    assert created.secret not in repr(listed)
    assert created.secret not in repr(created)
    assert listed[0].active


def test_revoking_marks_the_key_and_is_idempotent(admin_client: Client) -> None:
    created = admin_client.keys.create("ci", project="default")
    first = admin_client.keys.revoke(created.info.key_id, project="default")
    again = admin_client.keys.revoke(created.info.key_id, project="default")
    assert first.revoked_at is not None
    assert again.revoked_at == first.revoked_at
    assert not admin_client.keys.list(project="default")[0].active


def test_a_key_of_another_project_cannot_be_revoked_through_this_one(
    admin_client: Client,
) -> None:
    admin_client.projects.create("billing")
    created = admin_client.keys.create("ci", project="billing")
    with pytest.raises(NotFoundError):
        admin_client.keys.revoke(created.info.key_id, project="default")
    assert admin_client.keys.list(project="billing")[0].active


def test_admin_keys_belong_to_no_project(admin_client: Client) -> None:
    created = admin_client.keys.create("ops", scope=KeyScope.ADMIN)
    assert created.info.project is None
    assert created.info.key_id in {k.key_id for k in admin_client.keys.list(scope=KeyScope.ADMIN)}
    with pytest.raises(ValidationError, match="no project"):
        admin_client.keys.create("ops", project="default", scope=KeyScope.ADMIN)


def test_keys_for_a_missing_project_are_not_found(admin_client: Client) -> None:
    with pytest.raises(NotFoundError):
        admin_client.keys.create("ci", project="nope")


def test_members_list_their_keys_but_cannot_make_or_revoke_them(
    project_client: Client, admin_client: Client
) -> None:
    created = admin_client.keys.create("ci", project="default")
    assert created.info.key_id in {k.key_id for k in project_client.keys.list()}
    with pytest.raises(PermissionDeniedError):
        project_client.keys.create("mine")
    with pytest.raises(PermissionDeniedError):
        project_client.keys.revoke(created.info.key_id)
    with pytest.raises(PermissionDeniedError):
        project_client.keys.list(scope=KeyScope.ADMIN)
