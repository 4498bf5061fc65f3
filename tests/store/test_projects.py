"""Project and key repositories: keys are stored as digests and found by them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from llmloop.domain.projects import KeyScope, digest_api_key
from llmloop.errors import ConflictError
from llmloop.store.database import Database
from llmloop.store.models import ApiKeyRow
from llmloop.store.projects import ApiKeyRepository, ProjectRepository

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_only_the_digest_of_a_key_is_stored(database: Database) -> None:
    with database.session() as session:
        project_id, _ = ProjectRepository(session).create("support", "", at=AT)
        created = ApiKeyRepository(session).create(
            project_id=project_id, name="ci", scope=KeyScope.PROJECT, at=AT
        )
    with database.session() as session:
        row = session.scalars(select(ApiKeyRow)).one()
        stored = [str(value) for value in vars(row).values()]
    assert not any(created.secret in value for value in stored)
    assert row.digest == digest_api_key(created.secret)


def test_authenticate_finds_active_keys_only(database: Database) -> None:
    with database.session() as session:
        project_id, _ = ProjectRepository(session).create("support", "", at=AT)
        keys = ApiKeyRepository(session)
        created = keys.create(project_id=project_id, name="ci", scope=KeyScope.PROJECT, at=AT)
        assert keys.authenticate(created.secret) == created.info
        assert keys.authenticate(created.secret + "x") is None
        keys.revoke(created.info.key_id, project_id=project_id, at=AT)
        assert keys.authenticate(created.secret) is None


def test_timestamps_come_back_as_aware_utc(database: Database) -> None:
    with database.session() as session:
        ProjectRepository(session).create("support", "", at=AT)
    with database.session() as session:
        assert ProjectRepository(session).get("support").created_at == AT


def test_duplicate_project_is_a_conflict_and_keeps_the_first(database: Database) -> None:
    with database.session() as session:
        ProjectRepository(session).create("support", "first", at=AT)
    with pytest.raises(ConflictError, match="already exists"), database.session() as session:
        ProjectRepository(session).create("support", "second", at=AT)
    with database.session() as session:
        assert ProjectRepository(session).get("support").description == "first"
