"""Profiles from settings become providers; keys come from the environment, never from specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmloop.build.providers import (
    AnthropicProvider,
    LocalProvider,
    OpenAIProvider,
    ProviderRegistry,
    ScriptedProvider,
    parse_model_address,
)
from llmloop.domain.chat import ChatMessage, ChatRequest
from llmloop.domain.provider_profiles import ProviderKind
from llmloop.errors import (
    ConfigurationError,
    NotFoundError,
    ProviderCredentialsError,
    ValidationError,
)
from llmloop.settings import load_settings


def test_profiles_from_the_yaml_file_with_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "llmloop.yaml"
    config.write_text(
        "providers:\n"
        "  vllm:\n"
        "    kind: openai\n"
        "    base_url: http://127.0.0.1:8000/v1\n"
        "    api_key_env: VLLM_KEY\n"
        "    max_concurrency: 4\n"
        "  claude:\n"
        "    kind: anthropic\n"
        "    api_key_env: MY_ANTHROPIC_KEY\n"
        "  sim:\n"
        "    kind: fake\n"
    )
    monkeypatch.setenv("LLMLOOP_CONFIG", str(config))
    settings = load_settings()
    registry = ProviderRegistry(
        settings.providers, environ={"VLLM_KEY": "k1", "MY_ANTHROPIC_KEY": "k2"}
    )
    vllm = registry.get("vllm")
    assert isinstance(vllm, OpenAIProvider)
    assert vllm.base_url == "http://127.0.0.1:8000/v1"
    assert vllm.runtime.limit.limit == 4
    assert registry.get("vllm") is vllm  # made once: one limit and one pool per profile
    assert isinstance(registry.get("claude"), AnthropicProvider)
    assert isinstance(registry.get("local"), LocalProvider)  # built in
    sim = registry.get("sim")
    assert isinstance(sim, ScriptedProvider)
    reply = sim.chat(ChatRequest(model="any", messages=(ChatMessage.user("ping"),)))
    assert reply.text == "echo: ping"


def test_profiles_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "LLMLOOP_PROVIDERS",
        '{"ollama": {"kind": "openai", "base_url": "http://127.0.0.1:11434/v1", '
        '"api_key": "ollama"}}',
    )
    profile = load_settings().providers["ollama"]
    assert profile.kind is ProviderKind.OPENAI
    assert "ollama" not in repr(profile.api_key)  # a SecretStr never prints its value


def test_a_missing_key_names_the_variable_to_set() -> None:
    settings = load_settings(
        providers={"openai": {"kind": "openai", "api_key_env": "OPENAI_API_KEY"}}
    )
    registry = ProviderRegistry(settings.providers, environ={})
    with pytest.raises(ProviderCredentialsError, match=r"\$OPENAI_API_KEY, which is not set"):
        registry.get("openai")
    with pytest.raises(ProviderCredentialsError, match="OPENAI_API_KEY"):
        registry.check("openai")
    bare = ProviderRegistry(
        load_settings(providers={"x": {"kind": "anthropic"}}).providers, environ={}
    )
    with pytest.raises(ProviderCredentialsError, match="has no API key"):
        bare.get("x")


def test_unknown_profiles_list_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="Known profiles: local"):
        ProviderRegistry({}).get("openai")


@pytest.mark.parametrize(
    ("profile", "needle"),
    [
        ({"kind": "openai", "api_key": "a", "api_key_env": "B"}, "either api_key or api_key_env"),
        ({"kind": "local", "api_key": "a"}, "takes no API key"),
        ({"kind": "telepathy"}, "providers.p.kind"),
        ({"kind": "openai", "max_concurrency": 0}, "max_concurrency"),
    ],
)
def test_bad_profiles_are_configuration_errors_naming_the_field(
    profile: dict[str, object], needle: str
) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        load_settings(providers={"p": profile})


def test_model_addresses() -> None:
    address = parse_model_address("vllm/meta-llama/Llama-3.1-8B-Instruct")
    assert (address.profile, address.model) == ("vllm", "meta-llama/Llama-3.1-8B-Instruct")
    assert str(parse_model_address("local/extractive")) == "local/extractive"
    for bad in ("gpt-4o", "/gpt-4o", "local/", "Bad Name/x"):
        with pytest.raises(ValidationError):
            parse_model_address(bad)


def test_vendor_endpoints_are_priced_and_others_are_not() -> None:
    from llmloop.domain.pricing import TokenUsage

    usage = TokenUsage(input_tokens=1_000_000, output_tokens=0)
    registry = ProviderRegistry(
        load_settings(
            providers={
                "official": {"kind": "openai", "api_key": "k"},
                "proxy": {"kind": "openai", "api_key": "k", "base_url": "http://127.0.0.1:9/v1"},
            }
        ).providers
    )
    official = registry.get("official")
    proxy = registry.get("proxy")
    assert isinstance(official, OpenAIProvider)
    assert isinstance(proxy, OpenAIProvider)
    assert official.runtime.cost_usd("gpt-4o", usage) == pytest.approx(2.5)
    assert proxy.runtime.cost_usd("gpt-4o", usage) is None
