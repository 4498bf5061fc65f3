"""What a model call cost, in USD: genai-prices' bundled prices plus the user's own.

Token conventions, the part that is easy to get wrong:

- ``input_tokens`` is the TOTAL input, cached reads and cache writes included (OpenTelemetry
  GenAI and OpenAI count this way). Anthropic's API reports input WITHOUT the cache tokens;
  :meth:`TokenUsage.normalised` adds them back when the counts prove the input excluded them
  (cache tokens larger than the input), and the SDK's Anthropic instrumentation adds them itself.
- Reasoning tokens are part of ``output_tokens``; they are kept for reporting and cost nothing
  on top.
- A model without a known price is *unpriced* (``None``), never free.

genai-prices works from the snapshot bundled in its wheel: llmloop never starts its
``UpdatePrices`` thread, so pricing needs no network. The package is imported on first use, not
with this module.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from genai_prices.types import ModelInfo, ModelPrice, Provider

__all__ = ["PriceBook", "TokenUsage", "UserModelPrice", "genai_prices_provider"]

_MTOK = Decimal(1_000_000)

#: ``gen_ai.provider.name`` / ``gen_ai.system`` values (and OpenInference ``llm.provider``)
#: mapped to genai-prices provider ids. A provider named but not listed here (a self-hosted
#: server, say) is not guessed from the model name: its calls stay unpriced.
_PROVIDER_IDS: Mapping[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "google": "google",
    "vertexai": "google",
    "gemini": "google",
    "aws.bedrock": "aws",
    "aws": "aws",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "azure": "azure",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "mistral": "mistral",
    "groq": "groq",
    "deepseek": "deepseek",
    "perplexity": "perplexity",
    "x_ai": "x-ai",
    "xai": "x-ai",
    "cohere": "cohere",
    "together": "together",
    "together_ai": "together",
    "fireworks": "fireworks",
    "cerebras": "cerebras",
    "openrouter": "openrouter",
}


def genai_prices_provider(provider: str | None) -> str | None:
    """The genai-prices provider id for a GenAI provider name (None when unknown)."""
    if not provider:
        return None
    return _PROVIDER_IDS.get(provider.strip().lower())


@dataclass(frozen=True)
class TokenUsage:
    """Token counts of one model call; ``input_tokens`` includes cache reads and writes."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def normalised(self) -> TokenUsage:
        """The same usage with input counted as a total, whatever convention it came in.

        When the cache tokens exceed the input, the input cannot have included them
        (Anthropic's convention), so they are added.
        """
        cached = self.cache_read_tokens + self.cache_write_tokens
        if cached > self.input_tokens:
            return TokenUsage(
                input_tokens=self.input_tokens + cached,
                output_tokens=self.output_tokens,
                cache_read_tokens=self.cache_read_tokens,
                cache_write_tokens=self.cache_write_tokens,
                reasoning_tokens=self.reasoning_tokens,
            )
        return self

    @property
    def is_empty(self) -> bool:
        """Whether no token was counted at all."""
        return self.input_tokens == 0 and self.output_tokens == 0


class UserModelPrice(BaseModel):
    """A price the user sets for a model, in USD per million tokens.

    Cache reads and writes cost the input price when their own price is not given.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_mtok: Decimal = Field(ge=0, description="USD per million input tokens.")
    output_mtok: Decimal = Field(ge=0, description="USD per million output tokens.")
    cache_read_mtok: Decimal | None = Field(
        default=None, ge=0, description="USD per million cached input tokens read."
    )
    cache_write_mtok: Decimal | None = Field(
        default=None, ge=0, description="USD per million input tokens written to the cache."
    )

    def cost_usd(self, usage: TokenUsage) -> Decimal:
        """The cost of *usage* at these prices."""
        return _flat_cost(
            usage,
            self.input_mtok,
            self.output_mtok,
            self.cache_read_mtok,
            self.cache_write_mtok,
        )


def _flat_cost(
    usage: TokenUsage,
    input_mtok: Decimal,
    output_mtok: Decimal,
    cache_read_mtok: Decimal | None,
    cache_write_mtok: Decimal | None,
) -> Decimal:
    uncached = max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens)
    read_price = input_mtok if cache_read_mtok is None else cache_read_mtok
    write_price = input_mtok if cache_write_mtok is None else cache_write_mtok
    total = (
        input_mtok * uncached
        + read_price * usage.cache_read_tokens
        + write_price * usage.cache_write_tokens
        + output_mtok * usage.output_tokens
    )
    return total / _MTOK


_FLAT_KEYS = frozenset({"input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"})
# Prices of units a span never counts (searches, one-hour cache writes): they add nothing, so
# a price made of these and flat token prices is computed here. Anything else (per-request
# fees, tiers, per-character prices) goes through genai-prices' own calculation.
_UNCOUNTED_KEYS = frozenset(
    {"web_searches_kcount", "storage_searches_kcount", "cache_write_1h_mtok"}
)


class PriceBook:
    """Prices model calls: the user's prices first, then genai-prices' bundled snapshot.

    Lookups are cached per model, because genai-prices' own calculation costs ~200 µs a call,
    too slow for a trace receiver; plain per-token prices are computed here by the same rule
    (tests check the two agree), tiered ones are left to genai-prices.
    """

    def __init__(self, user_prices: Mapping[str, UserModelPrice] | None = None) -> None:
        self._user_prices = {name.lower(): price for name, price in (user_prices or {}).items()}
        self._models: dict[tuple[str | None, str], tuple[Provider, ModelInfo] | None] = {}
        self._lock = threading.Lock()

    def cost_usd(
        self, model: str | None, provider: str | None, usage: TokenUsage, *, at: datetime
    ) -> Decimal | None:
        """The cost of one call to *model* at time *at*, or None when no price is known."""
        if not model:
            return None
        usage = usage.normalised()
        user_price = self._user_prices.get(model.lower())
        if user_price is not None:
            return user_price.cost_usd(usage)
        found = self._find(model, provider)
        if found is None:
            return None
        provider_info, model_info = found
        try:
            return _genai_cost(model_info.get_prices(at), usage, provider_info, model_info, at)
        except (ValueError, LookupError, ArithmeticError):
            # A price genai-prices cannot apply to this usage: unknown, not zero.
            return None

    def _find(self, model: str, provider: str | None) -> tuple[Provider, ModelInfo] | None:
        from genai_prices.data_snapshot import get_snapshot

        provider_id = genai_prices_provider(provider)
        if provider and provider_id is None:
            # genai-prices' own ids (``x-ai``, ``huggingface_groq``...) are accepted as given.
            name = provider.strip().lower()
            if not any(known.id == name for known in get_snapshot().providers):
                return None
            provider_id = name
        key = (provider_id, model.lower())
        with self._lock:
            if key in self._models:
                return self._models[key]

        try:
            found: tuple[Provider, ModelInfo] | None = get_snapshot().find_provider_model(
                model, None, provider_id, None
            )
        except LookupError:
            found = None
        with self._lock:
            self._models[key] = found
        return found


def _genai_cost(
    price: ModelPrice, usage: TokenUsage, provider: Provider, model: ModelInfo, at: datetime
) -> Decimal:
    prices: dict[str, Any] = {k: v for k, v in vars(price).items() if v is not None}
    flat = all(isinstance(prices.get(key), Decimal | None) for key in _FLAT_KEYS)
    only_tokens = set(prices) <= _FLAT_KEYS | _UNCOUNTED_KEYS
    if flat and only_tokens and "input_mtok" in prices and "output_mtok" in prices:
        return _flat_cost(
            usage,
            prices["input_mtok"],
            prices["output_mtok"],
            prices.get("cache_read_mtok"),
            prices.get("cache_write_mtok"),
        )
    from genai_prices import Usage

    calculation = model.calc_price(
        Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        ),
        provider,
        genai_request_timestamp=at,
    )
    return Decimal(calculation.total_price)
