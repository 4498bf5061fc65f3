"""The ingestion settings: user prices and text limits reach the ingestor; bad ones are named."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from llmloop.domain.clock import ManualClock
from llmloop.domain.pricing import TokenUsage
from llmloop.errors import ConfigurationError
from llmloop.monitor.ingest import ingestor_from_settings
from llmloop.settings import load_settings


def test_prices_and_limits_from_the_environment_reach_the_ingestor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLMLOOP_PRICES", '{"in-house-7b": {"input_mtok": 1, "output_mtok": "2.5"}}')
    monkeypatch.setenv("LLMLOOP_SPAN_TEXT_MAX_CHARS", "1000")
    settings = load_settings()
    ingestor = ingestor_from_settings(settings, ManualClock())
    assert ingestor.limits.max_text_chars == 1000
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000)
    cost = ingestor.prices.cost_usd("in-house-7b", None, usage, at=datetime(2026, 1, 1, tzinfo=UTC))
    assert cost == Decimal("3.5")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("LLMLOOP_PRICES", '{"m": {"input_mtok": -1, "output_mtok": 1}}', "prices.m.input_mtok"),
        ("LLMLOOP_PRICES", '{"m": {"input_mtok": 1}}', "prices.m.output_mtok"),
        ("LLMLOOP_PRICES", '{"m": {"input_mtok": 1, "output_mtok": 1, "x": 2}}', "prices.m.x"),
        ("LLMLOOP_OTLP_MAX_BODY_BYTES", "0", "otlp_max_body_bytes"),
        ("LLMLOOP_INGEST_MAX_CONCURRENT_REQUESTS", "0", "ingest_max_concurrent_requests"),
    ],
)
def test_bad_ingestion_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=problem):
        load_settings()
