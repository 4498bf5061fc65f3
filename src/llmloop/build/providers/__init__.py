"""Model providers: one small interface over OpenAI-compatible endpoints, Anthropic, the
offline ``local`` model and a scripted fake.

Everything a caller needs is re-exported here; the SDK clients (``openai``, ``anthropic``) are
imported only when a provider of that kind makes its first call.
"""

from llmloop.build.providers.anthropic_provider import AnthropicProvider
from llmloop.build.providers.concurrency import ConcurrencyLimit
from llmloop.build.providers.cost import CostFunction, free, no_cost, priced_by
from llmloop.build.providers.fake import ScriptedProvider, ScriptedReply, ScriptStep
from llmloop.build.providers.local import LOCAL_MODELS, LocalProvider
from llmloop.build.providers.openai_provider import OpenAIProvider
from llmloop.build.providers.protocol import EmbeddingProvider, ModelProvider
from llmloop.build.providers.registry import (
    ModelAddress,
    ProviderRegistry,
    build_provider,
    parse_model_address,
)
from llmloop.build.providers.retries import RetryPolicy
from llmloop.build.providers.runtime import ProviderRuntime
from llmloop.build.providers.sleepers import ClockSleeper, RealSleeper, Sleeper

__all__ = [
    "LOCAL_MODELS",
    "AnthropicProvider",
    "ClockSleeper",
    "ConcurrencyLimit",
    "CostFunction",
    "EmbeddingProvider",
    "LocalProvider",
    "ModelAddress",
    "ModelProvider",
    "OpenAIProvider",
    "ProviderRegistry",
    "ProviderRuntime",
    "RealSleeper",
    "RetryPolicy",
    "ScriptStep",
    "ScriptedProvider",
    "ScriptedReply",
    "Sleeper",
    "build_provider",
    "free",
    "no_cost",
    "parse_model_address",
    "priced_by",
]
