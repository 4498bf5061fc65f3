"""Pricing: genai-prices' figures, cache and reasoning conventions, unknown models, user prices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price
from genai_prices.data_snapshot import get_snapshot

from llmloop.domain.pricing import PriceBook, TokenUsage, UserModelPrice, genai_prices_provider

AT = datetime(2026, 6, 1, tzinfo=UTC)
# DEPENDENCIES.md §1: 10k input (4k of it cache reads, 1k cache writes), 2k output, 500 of
# them reasoning.
USAGE = TokenUsage(
    input_tokens=10_000,
    output_tokens=2_000,
    cache_read_tokens=4_000,
    cache_write_tokens=1_000,
    reasoning_tokens=500,
)


@pytest.mark.parametrize(
    ("model", "provider", "cost"),
    [
        ("gpt-4o", "openai", "0.040"),
        ("gpt-4.1-mini", "openai", "0.0060"),
        ("o3", "openai", "0.030"),
        # 5k uncached x $3 + 4k read x $0.30 + 1k write x $3.75 + 2k out x $15 per MTok
        ("claude-sonnet-4-20250514", "anthropic", "0.04995"),
        ("gpt-4o", None, "0.040"),  # provider guessed from the model name
    ],
)
def test_bundled_prices(model: str, provider: str | None, cost: str) -> None:
    assert PriceBook().cost_usd(model, provider, USAGE, at=AT) == Decimal(cost)


def test_reasoning_tokens_are_part_of_output_and_cost_nothing_more() -> None:
    book = PriceBook()
    without = TokenUsage(input_tokens=1_000, output_tokens=2_000)
    with_reasoning = TokenUsage(input_tokens=1_000, output_tokens=2_000, reasoning_tokens=1_500)
    assert book.cost_usd("o3", "openai", with_reasoning, at=AT) == book.cost_usd(
        "o3", "openai", without, at=AT
    )


def test_anthropic_input_reported_without_cache_is_priced_as_the_total() -> None:
    # Anthropic's API: input_tokens=5k excludes the 40k cache read; the same call counted
    # the OpenTelemetry way is 45k input including the 40k read.
    book = PriceBook()
    anthropic_way = TokenUsage(input_tokens=5_000, output_tokens=100, cache_read_tokens=40_000)
    total_way = TokenUsage(input_tokens=45_000, output_tokens=100, cache_read_tokens=40_000)
    cost = book.cost_usd("claude-sonnet-4-20250514", "anthropic", anthropic_way, at=AT)
    assert cost == book.cost_usd("claude-sonnet-4-20250514", "anthropic", total_way, at=AT)
    # 5k x $3 + 40k x $0.30 + 100 x $15 per MTok
    assert cost == Decimal("0.0285")


def test_unknown_models_and_self_hosted_providers_are_unpriced_not_free() -> None:
    book = PriceBook()
    assert book.cost_usd("my-finetune-xyz", "openai", USAGE, at=AT) is None
    assert book.cost_usd("my-finetune-xyz", None, USAGE, at=AT) is None
    # A provider llmloop does not know (a local server) is not guessed from the model name.
    assert book.cost_usd("gpt-4o", "ollama", USAGE, at=AT) is None
    assert book.cost_usd(None, "openai", USAGE, at=AT) is None


def test_user_prices_win_and_cache_defaults_to_the_input_price() -> None:
    book = PriceBook(
        {
            "gpt-4o": UserModelPrice(input_mtok=Decimal(1), output_mtok=Decimal(2)),
            "My-Model": UserModelPrice(
                input_mtok=Decimal(10),
                output_mtok=Decimal(20),
                cache_read_mtok=Decimal(1),
                cache_write_mtok=Decimal(12),
            ),
        }
    )
    # 10k input (all at $1, cache included) + 2k output at $2 per MTok
    assert book.cost_usd("gpt-4o", "openai", USAGE, at=AT) == Decimal("0.014")
    # 5k x $10 + 4k x $1 + 1k x $12 + 2k x $20 per MTok; names match case-insensitively
    assert book.cost_usd("my-model", None, USAGE, at=AT) == Decimal("0.106")


def test_provider_names_map_to_genai_prices_ids() -> None:
    assert genai_prices_provider("gcp.vertex_ai") == "google"
    assert genai_prices_provider("aws.bedrock") == "aws"
    assert genai_prices_provider("azure.ai.openai") == "azure"
    assert genai_prices_provider("ollama") is None
    assert genai_prices_provider(None) is None


def test_the_fast_path_agrees_with_genai_prices_on_every_bundled_model() -> None:
    book = PriceBook()
    usages = [USAGE, TokenUsage(input_tokens=300_000, output_tokens=1_000), TokenUsage(100, 5)]
    compared = 0
    for provider in get_snapshot().providers:
        for model in provider.models:
            for usage in usages:
                try:
                    expected = calc_price(
                        Usage(
                            input_tokens=usage.input_tokens,
                            output_tokens=usage.output_tokens,
                            cache_read_tokens=usage.cache_read_tokens,
                            cache_write_tokens=usage.cache_write_tokens,
                        ),
                        model.id,
                        provider_id=provider.id,
                        genai_request_timestamp=AT,
                    ).total_price
                except (LookupError, ValueError):
                    continue  # genai-prices cannot price it either
                assert book.cost_usd(model.id, provider.id, usage, at=AT) == expected, (
                    provider.id,
                    model.id,
                    usage,
                )
                compared += 1
    assert compared > 1_000
