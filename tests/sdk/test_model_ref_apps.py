"""An app spec names a model reference like any model; the provider gets the fine-tune's id."""

from __future__ import annotations

import pytest

import llmloop
from llmloop.build.providers import ProviderRegistry, ScriptedProvider
from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.apps import PromptAppSpec, PythonAppSpec
from llmloop.domain.model_refs import ModelRefSpec
from llmloop.domain.prompts import PromptContent, PromptKind
from llmloop.errors import ValidationError
from llmloop.sdk.apps import push_app

FINE_TUNE = ModelRefSpec(
    provider="sim",
    provider_model="ft:support:42",
    base_model="echo-base",
    training_data="support-faq@3",
)
PROMPT = PromptContent(
    kind=PromptKind.TEXT,
    text="Answer: {{ question }}",
    variables=[{"name": "question"}],  # type: ignore[list-item]
)


def test_pushing_resolves_the_reference_to_the_exact_model(project_client: Client) -> None:
    project_client.prompts.push("faq", PROMPT)
    project_client.model_refs.add("support-ft", FINE_TUNE)
    pushed = project_client.apps.push(
        "faq-bot", PromptAppSpec(prompt="faq", model="ref/support-ft")
    )
    assert pushed.version.spec.model == "sim/ft:support:42"
    again = project_client.apps.push(
        "faq-bot", PromptAppSpec(prompt="faq", model="sim/ft:support:42")
    )
    assert again.created is False  # the same model, so the same version

    with pytest.raises(ValidationError, match="model: model reference 'nope' does not exist"):
        project_client.apps.push("faq-bot", PromptAppSpec(prompt="faq", model="ref/nope"))
    assert [v.version for v in project_client.apps.versions("faq-bot")] == [1]


def test_the_provider_receives_the_fine_tunes_model_id(local_admin: LocalClient) -> None:
    local_admin.prompts.push("faq", PROMPT)
    local_admin.model_refs.add("support-ft", FINE_TUNE)
    fake = ScriptedProvider(lambda request: f"answered by {request.model}")
    providers = ProviderRegistry({}, instances={"sim": fake})
    push_app(
        PythonAppSpec(entrypoint="tests.sdk.app_code:answer", model="ref/support-ft"),
        name="coded",
        client=local_admin,
        providers=providers,
    )
    push_app(
        PromptAppSpec(prompt="faq", model="ref/support-ft"),
        name="faq-bot",
        client=local_admin,
        providers=providers,
    )
    run = llmloop.run("faq-bot", "Where is my refund?", client=local_admin, providers=providers)
    assert run.status == "ok", run.error
    assert run.output == "answered by ft:support:42"
    assert [request.model for request in fake.requests] == ["ft:support:42"]
    assert local_admin.apps.get("coded").spec.model == "sim/ft:support:42"
