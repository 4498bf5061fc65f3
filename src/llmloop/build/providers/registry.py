"""From settings profiles to provider instances, and from ``profile/model`` to a provider call.

Specs name models as ``PROFILE/MODEL`` (``local/extractive``, ``openai/gpt-4.1-mini``,
``vllm/meta-llama/Llama-3.1-8B-Instruct``: everything after the first ``/`` is the provider's
model id). Profiles come from the ``providers`` setting; the profile ``local`` always exists.
A :class:`ProviderRegistry` makes each provider once and keeps it, so the concurrency limit
and the connection pool of a profile are shared by everything in the process that uses it.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from llmloop.build.providers.anthropic_provider import DEFAULT_ANTHROPIC_BASE_URL, AnthropicProvider
from llmloop.build.providers.concurrency import ConcurrencyLimit
from llmloop.build.providers.cost import CostFunction, free, no_cost, priced_by
from llmloop.build.providers.fake import ScriptedProvider, echo_last_user_message
from llmloop.build.providers.local import LocalProvider
from llmloop.build.providers.openai_provider import DEFAULT_OPENAI_BASE_URL, OpenAIProvider
from llmloop.build.providers.protocol import ModelProvider
from llmloop.build.providers.retries import RetryPolicy
from llmloop.build.providers.runtime import ProviderRuntime
from llmloop.build.providers.sleepers import RealSleeper, Sleeper
from llmloop.domain.clock import Clock, SystemClock
from llmloop.domain.names import validate_name
from llmloop.domain.pricing import PriceBook
from llmloop.domain.provider_profiles import BUILTIN_PROFILES, ProviderKind, ProviderProfile
from llmloop.errors import NotFoundError, ProviderCredentialsError, ValidationError

__all__ = ["ModelAddress", "ProviderRegistry", "build_provider", "parse_model_address"]


@dataclass(frozen=True)
class ModelAddress:
    """A model named by its provider profile and the provider's own model id."""

    profile: str
    model: str

    def __str__(self) -> str:
        return f"{self.profile}/{self.model}"


def parse_model_address(text: str) -> ModelAddress:
    """Parse ``PROFILE/MODEL``; raise ``ValidationError`` naming the problem."""
    profile, slash, model = text.strip().partition("/")
    if not slash or not profile or not model:
        raise ValidationError(
            f"model {text!r} does not name a provider profile",
            hint="Write PROFILE/MODEL, e.g. 'local/extractive' or 'openai/gpt-4.1-mini'.",
        )
    return ModelAddress(validate_name(profile, what="provider profile"), model)


def _vendor_price_id(profile: ProviderProfile) -> str | None:
    """The genai-prices provider id to price calls with, or None for "unknown price"."""
    if profile.price_provider:
        return profile.price_provider
    base = (profile.base_url or "").rstrip("/")
    if profile.kind is ProviderKind.OPENAI and base in ("", DEFAULT_OPENAI_BASE_URL):
        return "openai"
    if profile.kind is ProviderKind.ANTHROPIC and base in ("", DEFAULT_ANTHROPIC_BASE_URL):
        return "anthropic"
    return None


def _api_key(name: str, profile: ProviderProfile, environ: Mapping[str, str]) -> str:
    if profile.api_key is not None:
        return profile.api_key.get_secret_value()
    if profile.api_key_env:
        value = environ.get(profile.api_key_env, "")
        if value:
            return value
        raise ProviderCredentialsError(
            f"provider profile {name!r} reads its API key from ${profile.api_key_env}, "
            "which is not set",
            hint=f"Export {profile.api_key_env}=... in the environment that runs llmloop.",
        )
    raise ProviderCredentialsError(
        f"provider profile {name!r} ({profile.kind.value}) has no API key",
        hint="Set api_key_env (the name of an environment variable holding the key) in the "
        "profile; local servers that ignore keys still need one, any text will do.",
    )


def build_provider(
    name: str,
    profile: ProviderProfile,
    *,
    clock: Clock | None = None,
    sleeper: Sleeper | None = None,
    price_book: PriceBook | None = None,
    environ: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
) -> ModelProvider:
    """Make the provider a profile describes (refusing a hosted profile without a key)."""
    clock = clock or SystemClock()
    cost: CostFunction = no_cost
    if profile.kind is ProviderKind.LOCAL:
        cost = free
    else:
        vendor = _vendor_price_id(profile)
        if vendor is not None:
            cost = priced_by(price_book or PriceBook(), vendor, clock)
    runtime = ProviderRuntime(
        name=name,
        clock=clock,
        sleeper=sleeper or RealSleeper(),
        policy=RetryPolicy(max_retries=profile.max_retries, rng=rng or random.Random()),
        limit=ConcurrencyLimit(profile.max_concurrency),
        cost=cost,
    )
    if profile.kind is ProviderKind.LOCAL:
        return LocalProvider(runtime)
    if profile.kind is ProviderKind.FAKE:
        return ScriptedProvider(echo_last_user_message, runtime=runtime)
    key = _api_key(name, profile, os.environ if environ is None else environ)
    adapter = OpenAIProvider if profile.kind is ProviderKind.OPENAI else AnthropicProvider
    return adapter(
        runtime,
        api_key=key,
        base_url=profile.base_url,
        timeout_s=profile.timeout_s,
        headers=profile.headers,
        query=profile.query,
    )


class ProviderRegistry:
    """The providers of one process, made on first use from the settings' profiles.

    ``instances`` adds providers made elsewhere (e.g. a ``ScriptedProvider``) under a name.
    """

    def __init__(
        self,
        profiles: Mapping[str, ProviderProfile],
        *,
        clock: Clock | None = None,
        sleeper: Sleeper | None = None,
        price_book: PriceBook | None = None,
        environ: Mapping[str, str] | None = None,
        instances: Mapping[str, ModelProvider] | None = None,
    ) -> None:
        self.profiles = {**BUILTIN_PROFILES, **profiles}
        for name in instances or {}:
            # A ready-made provider (a scripted fake in a test or simulation) is a profile too.
            self.profiles.setdefault(name, ProviderProfile(kind=ProviderKind.FAKE))
        self._clock = clock or SystemClock()
        self._sleeper = sleeper
        self._price_book = price_book or PriceBook()
        self._environ = environ
        self._made: dict[str, ModelProvider] = dict(instances or {})
        self._lock = threading.Lock()

    def profile(self, name: str) -> ProviderProfile:
        """The profile called *name*; ``NotFoundError`` listing the known ones otherwise."""
        try:
            return self.profiles[name]
        except KeyError:
            raise NotFoundError(
                f"there is no model provider profile {name!r}",
                hint=f"Known profiles: {', '.join(sorted(self.profiles))}. Add one under "
                "'providers:' in llmloop.yaml (or LLMLOOP_PROVIDERS).",
            ) from None

    def get(self, name: str) -> ModelProvider:
        """The provider of profile *name*, made once."""
        profile = self.profile(name)
        with self._lock:
            if name not in self._made:
                self._made[name] = build_provider(
                    name,
                    profile,
                    clock=self._clock,
                    sleeper=self._sleeper,
                    price_book=self._price_book,
                    environ=self._environ,
                )
            return self._made[name]

    def check(self, name: str) -> None:
        """Raise the error using profile *name* would raise (unknown profile, missing key)."""
        profile = self.profile(name)
        if profile.needs_key:
            _api_key(name, profile, os.environ if self._environ is None else self._environ)

    def close(self) -> None:
        """Close every provider made so far."""
        with self._lock:
            made, self._made = list(self._made.values()), {}
        for provider in made:
            provider.close()
