"""Contract: prompts behave the same on the embedded store and over HTTP, on both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.clock import ManualClock
from llmloop.domain.prompts import PromptContent
from llmloop.errors import NotFoundError, ValidationError
from llmloop.store.audit import AuditLog


def chat(system: str, **fields: Any) -> PromptContent:
    return PromptContent.model_validate(
        {
            "kind": "chat",
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": "{{ question }}"},
            ],
            "variables": [{"name": "question"}],
            **fields,
        }
    )


def test_pushes_make_numbered_versions_and_identical_content_makes_none(
    project_client: Client,
) -> None:
    first = project_client.prompts.push("support", chat("Be kind."), message="first")
    again = project_client.prompts.push("support", chat("Be kind."), message="ignored")
    second = project_client.prompts.push("support", chat("Be brief."), message="shorter")
    assert (first.created, first.version.version) == (True, 1)
    assert (again.created, again.version.version) == (False, 1)
    assert again.version.message == "first"
    assert (second.created, second.version.version) == (True, 2)
    assert first.version.content_hash != second.version.content_hash
    assert len(first.version.content_hash) == 64
    versions = project_client.prompts.versions("support")
    assert [(v.version, v.message) for v in versions] == [(1, "first"), (2, "shorter")]


def test_pushing_old_content_again_makes_a_new_version(project_client: Client) -> None:
    project_client.prompts.push("support", chat("A"))
    project_client.prompts.push("support", chat("B"))
    back = project_client.prompts.push("support", chat("A"), message="revert")
    assert (back.created, back.version.version) == (True, 3)


def test_get_by_version_label_or_newest(project_client: Client) -> None:
    project_client.prompts.push("support", chat("A"))
    project_client.prompts.push("support", chat("B"))
    project_client.prompts.set_label("support", "staging", 1)
    assert project_client.prompts.get("support").version == 2
    assert project_client.prompts.get("support", version=1).content == chat("A")
    staged = project_client.prompts.get("support", label="staging")
    assert (staged.version, staged.labels) == (1, ["staging"])
    assert project_client.prompts.get("support", label="latest").version == 2


def test_listing_shows_newest_versions_and_labels(project_client: Client) -> None:
    project_client.prompts.push("support", chat("A"))
    project_client.prompts.push("support", chat("B"))
    project_client.prompts.push("triage", chat("T"))
    project_client.prompts.set_label("support", "staging", 2)
    listed = {p.name: p for p in project_client.prompts.list()}
    assert listed["support"].latest_version == 2
    assert listed["support"].labels == {"staging": 2}
    assert listed["triage"].labels == {}


def test_members_move_labels_and_the_history_keeps_every_move(project_client: Client) -> None:
    for text in ("A", "B", "C"):
        project_client.prompts.push("support", chat(text))
    project_client.prompts.set_label("support", "staging", 1)
    project_client.prompts.set_label("support", "staging", 3, reason="try C")
    project_client.prompts.set_label("support", "production", 2, reason="B passed")
    project_client.prompts.delete_label("support", "staging")
    history = project_client.prompts.history("support")
    assert [(e.label, e.from_version, e.to_version) for e in history] == [
        ("staging", 3, None),
        ("production", None, 2),
        ("staging", 1, 3),
        ("staging", None, 1),
    ]
    assert history[1].protected
    assert history[1].reason == "B passed"
    assert not history[0].protected
    only = project_client.prompts.history("support", label="production")
    assert [e.to_version for e in only] == [2]
    with pytest.raises(NotFoundError, match="no label 'staging'"):
        project_client.prompts.get("support", label="staging")


def test_moving_a_protected_label_is_audited_with_who_when_from_to_and_why(
    project_client: Client, local_admin: LocalClient, clock: ManualClock
) -> None:
    project_client.prompts.push("support", chat("A"))
    project_client.prompts.push("support", chat("B"))
    project_client.prompts.set_label("support", "production", 1, reason="first release")
    clock.advance(60)
    project_client.prompts.set_label("support", "production", 2, reason="B is better")
    project_client.prompts.set_label("support", "staging", 2)
    with local_admin.context.database.session() as session:
        project_id = local_admin.context.project_id(session)
        events = [
            e for e in AuditLog(session).list(project_id=project_id) if e.action == "label.move"
        ]
    assert [e.target for e in events] == ["support:production", "support:production"]
    newest = events[0]
    assert newest.details == {"from_version": 1, "to_version": 2, "reason": "B is better"}
    assert newest.at == clock.now()
    assert newest.actor.startswith(("key:", "local:member"))


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_protected_label_needs_a_reason_and_nothing_changes_without_one(
    project_client: Client, reason: str
) -> None:
    project_client.prompts.push("support", chat("A"))
    project_client.prompts.push("support", chat("B"))
    project_client.prompts.set_label("support", "production", 1, reason="first")
    with pytest.raises(ValidationError, match=r"protected.*needs a reason"):
        project_client.prompts.set_label("support", "production", 2, reason=reason)
    with pytest.raises(ValidationError, match="protected"):
        project_client.prompts.delete_label("support", "production", reason=reason)
    assert project_client.prompts.get("support", label="production").version == 1
    assert len(project_client.prompts.history("support")) == 1


@pytest.mark.parametrize("label", ["3", "v3", "latest", "Not Valid"])
def test_labels_that_read_as_versions_are_refused(project_client: Client, label: str) -> None:
    project_client.prompts.push("support", chat("A"))
    with pytest.raises(ValidationError):
        project_client.prompts.set_label("support", label, 1)
    assert project_client.prompts.history("support") == []


def test_a_label_on_a_missing_version_or_prompt_is_not_found_and_changes_nothing(
    project_client: Client,
) -> None:
    project_client.prompts.push("support", chat("A"))
    with pytest.raises(NotFoundError, match="no version 7"):
        project_client.prompts.set_label("support", "staging", 7)
    with pytest.raises(NotFoundError, match="prompt 'nope' does not exist"):
        project_client.prompts.set_label("nope", "staging", 1)
    with pytest.raises(NotFoundError, match="no label 'staging' to delete"):
        project_client.prompts.delete_label("support", "staging")
    assert project_client.prompts.history("support") == []
    assert project_client.prompts.list()[0].labels == {}


def test_invalid_names_and_templates_store_nothing(project_client: Client) -> None:
    with pytest.raises(ValidationError, match="prompt name 'Bad Name'"):
        project_client.prompts.push("Bad Name", chat("A"))
    sneaky = PromptContent.model_validate({"kind": "text", "text": "{{ secret }}"})
    with pytest.raises(ValidationError, match="'secret', which is not declared"):
        project_client.prompts.push("support", sneaky)
    assert project_client.prompts.list() == []


def test_missing_prompts_and_versions_are_not_found(project_client: Client) -> None:
    with pytest.raises(NotFoundError, match="prompt 'ghost' does not exist"):
        project_client.prompts.get("ghost")
    project_client.prompts.push("support", chat("A"))
    with pytest.raises(NotFoundError, match="no version 2"):
        project_client.prompts.get("support", version=2)
    with pytest.raises(NotFoundError):
        project_client.prompts.history("ghost")
    with pytest.raises(ValidationError):
        project_client.prompts.get("support", version=1, label="staging")


def test_prompts_of_another_project_are_invisible(
    project_client: Client, local_admin: LocalClient
) -> None:
    local_admin.projects.create("billing")
    other = LocalClient(
        local_admin.context.database,
        local_admin.context.principal.model_copy(update={"project": "billing"}),
        clock=local_admin.context.clock,
    )
    other.prompts.push("support", chat("billing's"))
    assert project_client.prompts.list() == []
    with pytest.raises(NotFoundError):
        project_client.prompts.get("support")
    project_client.prompts.push("support", chat("ours"))
    assert other.prompts.get("support").content == chat("billing's")
