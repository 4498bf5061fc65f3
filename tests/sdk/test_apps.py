"""Running app versions: output, run record, one traced span per model call, failures recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

import llmloop
from llmloop.build.providers import ProviderRegistry, ScriptedProvider
from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.apps import PromptAppSpec, PythonAppSpec, parse_app_spec
from llmloop.domain.prompts import ModelParameters, PromptContent, PromptKind, PromptMessage
from llmloop.errors import NotFoundError, ProviderError, ValidationError
from llmloop.sdk.apps import push_app, run_version
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import attributes_of

CONTEXT = (
    "The Starter plan costs 9 dollars per month. The Team plan costs 29 dollars per month "
    "and includes single sign-on. Refunds are available within 30 days."
)
SUPPORT = PromptContent(
    kind=PromptKind.CHAT,
    messages=[
        PromptMessage(role="system", content="Answer from the context."),
        PromptMessage(role="user", content="Context:\n{{ context }}\n\nQuestion: {{ question }}"),
    ],
    variables=[{"name": "context"}, {"name": "question"}],  # type: ignore[list-item]
)


@pytest.fixture
def providers() -> ProviderRegistry:
    return ProviderRegistry({})


def _flushed(sink: MemorySink) -> MemorySink:
    assert llmloop.flush(10).complete
    return sink


def test_a_prompt_app_runs_with_the_local_model_and_is_traced(
    local_admin: LocalClient, providers: ProviderRegistry, memory_sink: MemorySink
) -> None:
    local_admin.prompts.push("support", SUPPORT)
    pushed = local_admin.apps.push(
        "bot", PromptAppSpec(prompt="support", model="local/extractive")
    ).version
    run = llmloop.run(
        "bot",
        {"context": CONTEXT, "question": "Which plan includes single sign-on?"},
        client=local_admin,
        providers=providers,
    )
    assert run.status == "ok"
    assert run.error is None
    assert run.output == ("The Team plan costs 29 dollars per month and includes single sign-on.")
    assert (run.app, run.version, run.content_hash) == ("bot", 1, pushed.content_hash)
    assert run.model_calls == 1
    assert run.usage.output_tokens == 15  # words and punctuation, "sign-on" is three
    assert run.cost_usd == 0.0

    spans = _flushed(memory_sink).spans
    root = memory_sink.by_name("app bot")
    call = memory_sink.by_name("chat local/extractive")
    assert len(spans) == 2
    assert root.trace_id.hex() == run.trace_id
    assert call.parent_span_id == root.span_id
    assert call.trace_id == root.trace_id
    attributes = attributes_of(call)
    assert attributes["llmloop.kind"] == "llm"
    assert attributes["gen_ai.request.model"] == "extractive"
    assert attributes["gen_ai.usage.output_tokens"] == 15
    assert attributes["llmloop.cost_usd"] == 0.0
    assert attributes["llmloop.app"] == "bot"
    assert attributes["llmloop.app_version"] == pushed.short_hash


def test_spec_parameters_override_the_prompts_and_plain_text_fills_the_only_variable(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    one_variable = PromptContent(
        kind=PromptKind.TEXT,
        text="Context:\n" + CONTEXT + "\n\nQuestion: {{ question }}",
        variables=[{"name": "question"}],  # type: ignore[list-item]
        parameters={"model": "sim/echo", "temperature": 0.9, "max_tokens": 50},  # type: ignore[arg-type]
    )
    local_admin.prompts.push("faq", one_variable)
    fake = ScriptedProvider(lambda request: f"t={request.temperature} m={request.max_tokens}")
    spec = parse_app_spec({"kind": "prompt", "prompt": "faq", "params": {"temperature": 0.1}})
    local_admin.apps.push("faq-bot", spec)
    run = llmloop.run(
        "faq-bot",
        "When are refunds available?",
        client=local_admin,
        providers=ProviderRegistry({}, instances={"sim": fake}),
    )
    assert run.output == "t=0.1 m=50"  # the app's temperature, the prompt's max_tokens
    assert fake.requests[0].model == "echo"


def test_a_python_app_runs_the_users_callable_with_its_config(
    local_admin: LocalClient, providers: ProviderRegistry, memory_sink: MemorySink
) -> None:
    spec = PythonAppSpec(
        entrypoint="tests.sdk.app_code:answer",
        model="local/extractive",
        config={"context": CONTEXT},
    )
    push_app(spec, name="coded", client=local_admin, providers=providers)
    run = llmloop.run(
        "coded",
        {"question": "How much does the Team plan cost?"},
        client=local_admin,
        providers=providers,
    )
    assert run.status == "ok", run.error
    assert isinstance(run.output, dict)
    assert "29 dollars" in run.output["answer"]
    assert len(run.output["answer"].split()) <= 4
    assert run.model_calls == 2
    _flushed(memory_sink)
    calls = [span for span in memory_sink.spans if span.name == "chat local/extractive"]
    root = memory_sink.by_name("app coded")
    assert len(calls) == 2
    assert all(span.parent_span_id == root.span_id for span in calls)


def test_a_provider_failure_mid_run_is_recorded_with_a_failed_span(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    local_admin.prompts.push("support", SUPPORT)
    local_admin.apps.push("bot", PromptAppSpec(prompt="support", model="flaky/m1"))
    failing = ScriptedProvider([ProviderError("upstream is down", status=503)])
    run = llmloop.run(
        "bot",
        {"context": CONTEXT, "question": "Refunds?"},
        client=local_admin,
        providers=ProviderRegistry({}, instances={"flaky": failing}),
    )
    assert run.status == "error"
    assert run.error_code == "provider_error"
    assert "upstream is down" in (run.error or "")
    assert run.output is None
    assert run.model_calls == 0
    _flushed(memory_sink)
    for name in ("chat flaky/m1", "app bot"):
        span = memory_sink.by_name(name)
        assert span.status.code == 2, name  # ERROR
        assert attributes_of(span)["error.type"] == "ProviderError"


def test_an_exception_in_user_code_is_recorded_not_raised(
    local_admin: LocalClient, providers: ProviderRegistry, memory_sink: MemorySink
) -> None:
    local_admin.apps.push("buggy", PythonAppSpec(entrypoint="tests.sdk.app_code:explode"))
    version = local_admin.apps.get("buggy")
    run = run_version(version, {"q": 1}, client=local_admin, providers=providers)
    assert (run.status, run.error_code) == ("error", "KeyError")
    assert "customer_id" in (run.error or "")


def test_unknown_apps_raise_before_any_run(local_admin: LocalClient) -> None:
    with pytest.raises(NotFoundError):
        llmloop.run("nothing", client=local_admin)


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (
            PromptAppSpec(prompt="support", model="nowhere/m"),
            "model: there is no model provider profile 'nowhere'",
        ),
        (PythonAppSpec(entrypoint="tests.sdk.no_such_module:f"), "cannot be imported"),
        (PythonAppSpec(entrypoint="tests.sdk.app_code:missing"), "has no 'missing'"),
        (PythonAppSpec(entrypoint="tests.sdk.app_code:NOT_CALLABLE"), "is not callable"),
        (
            PythonAppSpec(entrypoint="tests.sdk.app_code:wrong_signature"),
            "cannot be called with (input, ctx)",
        ),
    ],
)
def test_push_checks_the_spec_where_it_is_pushed(
    local_admin: LocalClient, providers: ProviderRegistry, spec: PromptAppSpec, needle: str
) -> None:
    with pytest.raises(ValidationError, match="the app spec is invalid") as caught:
        push_app(spec, name="bad", client=local_admin, providers=providers)
    assert needle in str(caught.value)
    assert local_admin.apps.list() == []


def test_push_from_a_yaml_file(
    tmp_path: Path, local_admin: LocalClient, providers: ProviderRegistry
) -> None:
    local_admin.prompts.push("support", SUPPORT)
    path = tmp_path / "bot.yaml"
    path.write_text(
        "name: support-bot\n"
        "description: first cut\n"
        "kind: prompt\n"
        "prompt: support\n"
        "model: local/extractive\n"
        "params:\n  max_tokens: 40\n"
    )
    result = push_app(path, client=local_admin, providers=providers)
    assert result.created
    assert result.version.message == "first cut"
    assert result.version.spec.prompt == "support@1"  # type: ignore[union-attr]
    assert not push_app(path, client=local_admin, providers=providers).created
    path.write_text("name: support-bot\nkind: chatbot\n")
    with pytest.raises(
        ValidationError, match=r"bot.yaml: the app spec is invalid: kind: 'chatbot'"
    ):
        push_app(path, client=local_admin, providers=providers)


def test_runs_work_the_same_through_the_rest_api(
    project_client: Client, providers: ProviderRegistry, memory_sink: MemorySink
) -> None:
    client = project_client
    client.prompts.push("support", SUPPORT)
    client.apps.push("bot", PromptAppSpec(prompt="support", model="local/extractive"))
    run = llmloop.run(
        "bot@1",
        {"context": CONTEXT, "question": "When are refunds available?"},
        client=client,
        providers=providers,
    )
    assert run.status == "ok"
    assert run.output == "Refunds are available within 30 days."


def test_push_checks_the_profile_of_the_prompts_own_model(
    local_admin: LocalClient, providers: ProviderRegistry
) -> None:
    local_admin.prompts.push(
        "priced",
        SUPPORT.model_copy(update={"parameters": ModelParameters(model="elsewhere/gpt-4o")}),
    )
    with pytest.raises(ValidationError, match="no model provider profile 'elsewhere'"):
        push_app(
            PromptAppSpec(prompt="priced"), name="bot", client=local_admin, providers=providers
        )
    assert local_admin.apps.list() == []
