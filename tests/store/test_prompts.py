"""The prompt tables: version numbers under concurrent pushes, and the migration."""

from __future__ import annotations

import itertools
import threading

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from llmloop.client.local import LocalClient
from llmloop.domain.prompts import PromptContent
from llmloop.store.database import Database
from llmloop.store.schema import metadata

WRITERS = 8
PUSHES_PER_WRITER = 4


def text(body: str) -> PromptContent:
    return PromptContent.model_validate({"kind": "text", "text": body})


def test_parallel_pushes_never_duplicate_or_skip_version_numbers(
    local_admin: LocalClient,
) -> None:
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    made: list[int] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        try:
            start.wait(timeout=30)
            for push in range(PUSHES_PER_WRITER):
                result = local_admin.prompts.push("busy", text(f"writer {index} push {push}"))
                assert result.created
                with lock:
                    made.append(result.version.version)
        except BaseException as error:  # collected, so the test fails with the cause
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    total = WRITERS * PUSHES_PER_WRITER
    assert sorted(made) == list(range(1, total + 1))
    versions = local_admin.prompts.versions("busy")
    assert [v.version for v in versions] == list(range(1, total + 1))
    assert len({v.content_hash for v in versions}) == total
    assert local_admin.prompts.list()[0].latest_version == total


def test_parallel_pushes_of_the_same_new_content_make_one_version(
    local_admin: LocalClient,
) -> None:
    start = threading.Barrier(WRITERS)
    created: list[bool] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            start.wait(timeout=30)
            created.append(local_admin.prompts.push("fresh", text("same")).created)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(created) == [False] * (WRITERS - 1) + [True]
    assert [v.version for v in local_admin.prompts.versions("fresh")] == [1]


def test_the_migration_makes_the_prompt_tables(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {"prompts", "prompt_versions", "prompt_labels", "prompt_label_events"} <= tables
    unique = {
        tuple(u["column_names"])
        for u in inspect(database.engine).get_unique_constraints("prompt_versions")
    }
    assert ("prompt_id", "number") in unique


def test_the_migration_matches_the_table_models(database: Database) -> None:
    ours = {"prompts", "prompt_versions", "prompt_labels", "prompt_label_events"}
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, kind, _reflected, _other: (
                    (name if kind == "table" else obj.table.name) in ours
                ),
            },
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_parallel_label_moves_keep_a_consistent_history(local_admin: LocalClient) -> None:
    for index in range(WRITERS):
        local_admin.prompts.push("moving", text(f"version {index + 1}"))
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def mover(version: int) -> None:
        try:
            start.wait(timeout=30)
            local_admin.prompts.set_label("moving", "staging", version)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=mover, args=(v,)) for v in range(1, WRITERS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    oldest_first = list(reversed(local_admin.prompts.history("moving")))
    assert oldest_first[0].from_version is None
    for before, after in itertools.pairwise(oldest_first):
        assert after.from_version == before.to_version
    final = local_admin.prompts.get("moving", label="staging").version
    assert final == oldest_first[-1].to_version
