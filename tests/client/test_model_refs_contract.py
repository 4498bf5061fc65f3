"""Contract: model references behave the same locally and over HTTP, on both dialects."""

from __future__ import annotations

import pytest

from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.model_refs import ModelRefSpec, parse_model_ref_spec
from llmloop.domain.projects import Principal
from llmloop.errors import ConflictError, NotFoundError, ValidationError

FINE_TUNE = ModelRefSpec(
    provider="openai",
    provider_model="ft:gpt-4o-mini:acme::9x7",
    base_model="gpt-4o-mini",
    training_data="support-faq@3",
    notes="tuned on November tickets",
)


def test_add_list_and_get(project_client: Client) -> None:
    added = project_client.model_refs.add("support-ft", FINE_TUNE)
    assert added.name == "support-ft"
    assert added.address == "openai/ft:gpt-4o-mini:acme::9x7"
    assert added.training_data == "support-faq@3"
    assert added.created_by
    project_client.model_refs.add(
        "base", ModelRefSpec(provider="local", provider_model="extractive")
    )
    assert [ref.name for ref in project_client.model_refs.list()] == ["base", "support-ft"]
    assert project_client.model_refs.get("support-ft") == added


def test_a_name_is_added_once(project_client: Client) -> None:
    project_client.model_refs.add("support-ft", FINE_TUNE)
    other = FINE_TUNE.model_copy(update={"provider_model": "ft:other"})
    with pytest.raises(ConflictError, match="'support-ft' already exists"):
        project_client.model_refs.add("support-ft", other)
    assert project_client.model_refs.get("support-ft").provider_model == FINE_TUNE.provider_model


def test_missing_and_badly_named_references_are_refused(project_client: Client) -> None:
    with pytest.raises(NotFoundError, match="'nope' does not exist"):
        project_client.model_refs.get("nope")
    with pytest.raises(ValidationError, match="model reference name 'Bad Name' is not allowed"):
        project_client.model_refs.add("Bad Name", FINE_TUNE)
    assert project_client.model_refs.list() == []


def test_references_belong_to_their_project(
    local_admin: LocalClient, project_client: Client
) -> None:
    local_admin.projects.create("billing")
    billing = LocalClient(
        local_admin.context.database,
        Principal(actor="local:billing", project="billing", admin=False),
        clock=local_admin.context.clock,
    )
    billing.model_refs.add("billing-ft", FINE_TUNE)
    project_client.model_refs.add("support-ft", FINE_TUNE)
    assert [ref.name for ref in project_client.model_refs.list()] == ["support-ft"]
    assert [ref.name for ref in billing.model_refs.list()] == ["billing-ft"]
    with pytest.raises(NotFoundError):
        project_client.model_refs.get("billing-ft")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"provider_model": "x"}, "provider: Field required"),
        ({"provider": "Open AI", "provider_model": "x"}, "provider: String should match"),
        ({"provider": "openai", "provider_model": ""}, "provider_model: String should have"),
        ({"provider": "openai", "provider_model": "x", "epochs": 3}, "epochs: is not a field"),
    ],
)
def test_bad_specs_name_the_field(data: dict[str, object], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_model_ref_spec(data)
    assert expected in str(caught.value)
