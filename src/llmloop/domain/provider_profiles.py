"""Model provider profiles: where a provider lives and how to reach it, kept in settings.

An app spec names a profile (``model: openai-prod/gpt-4.1-mini``), never a URL or a key, so
the same spec runs against a staging endpoint, a self-hosted vLLM or the offline ``local``
model depending on the settings of the machine that runs it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = ["BUILTIN_PROFILES", "ProviderKind", "ProviderProfile"]


class ProviderKind(StrEnum):
    """The protocol a profile speaks."""

    OPENAI = "openai"  # any OpenAI-compatible endpoint: OpenAI, Azure, Ollama, vLLM, llama.cpp
    ANTHROPIC = "anthropic"
    LOCAL = "local"  # the offline extractive model shipped with llmloop
    FAKE = "fake"  # a scripted provider for tests and simulations


_NEEDS_KEY = frozenset({ProviderKind.OPENAI, ProviderKind.ANTHROPIC})


class ProviderProfile(BaseModel):
    """How to reach one model provider.

    ``api_key`` holds the key itself; ``api_key_env`` names the environment variable that
    holds it (preferred: the key stays out of files). ``price_provider`` is the genai-prices
    provider id used for cost (``openai``, ``anthropic``, ``azure``...); when unset, cost is
    looked up by the model name for the vendors' own endpoints and is unknown elsewhere
    (a self-hosted model has no list price).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ProviderKind
    base_url: str | None = None
    api_key: SecretStr | None = None
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    max_concurrency: int = Field(default=8, ge=1, le=10_000)
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    price_provider: str | None = None

    @model_validator(mode="after")
    def _one_source_for_the_key(self) -> ProviderProfile:
        if self.api_key is not None and self.api_key_env is not None:
            raise ValueError(
                "give either api_key or api_key_env, not both (api_key_env is preferred)"
            )
        if self.kind not in _NEEDS_KEY and (self.api_key or self.api_key_env):
            raise ValueError(f"a {self.kind.value!r} profile takes no API key")
        return self

    @property
    def needs_key(self) -> bool:
        """Whether calls need an API key (hosted protocols do; local and fake do not)."""
        return self.kind in _NEEDS_KEY


# Available even when the settings name no profiles: the offline default needs no set-up.
BUILTIN_PROFILES: dict[str, ProviderProfile] = {
    "local": ProviderProfile(kind=ProviderKind.LOCAL),
}
