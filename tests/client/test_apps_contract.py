"""The apps contract, against the embedded store and the REST API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from llmloop.client.protocols import Client
from llmloop.domain.apps import PromptAppSpec, PythonAppSpec, parse_app_spec, spec_hash
from llmloop.domain.prompts import ModelParameters, PromptContent, PromptKind, PromptMessage
from llmloop.errors import NotFoundError, ValidationError

SUPPORT = PromptContent(
    kind=PromptKind.CHAT,
    messages=[
        PromptMessage(role="system", content="Answer from the context."),
        PromptMessage(role="user", content="Context:\n{{ context }}\n\nQuestion: {{ question }}"),
    ],
    variables=[{"name": "context"}, {"name": "question"}],  # type: ignore[list-item]
    parameters=ModelParameters(temperature=0.5),
)


@pytest.fixture
def prompt_versions(project_client: Client) -> Client:
    project_client.prompts.push("support", SUPPORT)
    project_client.prompts.push(
        "support", SUPPORT.model_copy(update={"parameters": ModelParameters(temperature=0.2)})
    )
    project_client.prompts.set_label("support", "staging", 1)
    return project_client


def test_push_resolves_references_to_exact_versions(prompt_versions: Client) -> None:
    apps = prompt_versions.apps
    by_label = apps.push("bot", PromptAppSpec(prompt="support:staging", model="local/extractive"))
    assert by_label.created
    assert by_label.version.spec == PromptAppSpec(prompt="support@1", model="local/extractive")
    assert by_label.version.version == 1
    assert by_label.version.content_hash == spec_hash(by_label.version.spec)
    newest = apps.push("bot", PromptAppSpec(prompt="support", model="local/extractive"))
    assert newest.version.spec.prompt == "support@2"  # type: ignore[union-attr]
    assert newest.version.version == 2


def test_an_identical_spec_creates_no_new_version(prompt_versions: Client) -> None:
    apps = prompt_versions.apps
    first = apps.push("bot", PromptAppSpec(prompt="support@2", model="local/extractive"))
    # "support" resolves to support@2 as well: the stored spec is the same, so is the version.
    again = apps.push("bot", PromptAppSpec(prompt="support", model="local/extractive"), message="x")
    assert not again.created
    assert again.version == first.version
    tuned = apps.push(
        "bot",
        parse_app_spec(
            {
                "kind": "prompt",
                "prompt": "support@2",
                "model": "local/extractive",
                "params": {"temperature": 0.0},
            }
        ),
    )
    assert tuned.created
    assert tuned.version.version == 2
    assert tuned.version.content_hash != first.version.content_hash
    # Going back to an earlier spec finds its version again instead of making a third.
    back = apps.push("bot", PromptAppSpec(prompt="support@2", model="local/extractive"))
    assert not back.created
    assert back.version.version == 1


def test_versions_by_number_hash_prefix_and_newest(prompt_versions: Client) -> None:
    apps = prompt_versions.apps
    one = apps.push("bot", PromptAppSpec(prompt="support@1", model="local/extractive")).version
    two = apps.push("bot", PythonAppSpec(entrypoint="tests.sdk.app_code:answer")).version
    assert apps.get("bot") == two
    assert apps.get("bot@1") == one
    assert apps.get(f"bot@{one.content_hash[:10]}") == one
    assert apps.versions("bot") == [one, two]
    [summary] = apps.list()
    assert (summary.name, summary.kind, summary.latest_version) == ("bot", "python", 2)
    assert summary.latest_hash == two.content_hash


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (PromptAppSpec(prompt="missing", model="local/extractive"), "prompt: prompt 'missing'"),
        (PromptAppSpec(prompt="support@9", model="local/extractive"), "prompt:"),
        (PromptAppSpec(prompt="support:production", model="local/extractive"), "prompt:"),
        (PromptAppSpec(prompt="support@1"), "model: the app names none"),
    ],
)
def test_invalid_specs_are_refused_and_nothing_is_stored(
    prompt_versions: Client, spec: PromptAppSpec, needle: str
) -> None:
    with pytest.raises(ValidationError, match="the app spec is invalid") as caught:
        prompt_versions.apps.push("bot", spec)
    assert needle in str(caught.value)
    assert prompt_versions.apps.list() == []


def test_unknown_apps_and_versions_are_not_found(project_client: Client) -> None:
    with pytest.raises(NotFoundError):
        project_client.apps.get("nothing")
    project_client.apps.push("bot", PythonAppSpec(entrypoint="tests.sdk.app_code:answer"))
    for reference in ("bot@7", "bot@abcdef0"):
        with pytest.raises(NotFoundError):
            project_client.apps.get(reference)
    with pytest.raises(NotFoundError):
        project_client.apps.versions("nothing")
