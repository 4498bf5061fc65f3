"""Fixtures for provider tests: scripted wire servers and providers that talk to them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from llmloop.build.providers import ClockSleeper, ModelProvider, build_provider
from llmloop.domain.clock import ManualClock
from llmloop.domain.provider_profiles import ProviderProfile
from tests.fakes.wire_server import WireServer

API_KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def sleeper(clock: ManualClock) -> ClockSleeper:
    """Waits that move the manual clock instead of real time."""
    return ClockSleeper(clock)


@pytest.fixture
def wire_server() -> Iterator[WireServer]:
    """A scripted server on loopback."""
    with WireServer() as server:
        yield server


def make_provider(
    kind: str,
    server: WireServer,
    clock: ManualClock,
    sleeper: ClockSleeper,
    **profile: Any,
) -> ModelProvider:
    """A provider of *kind* pointed at *server*, waiting on *clock*, with a seeded jitter."""
    base_url = server.url + ("/v1" if kind == "openai" else "")
    settings: dict[str, Any] = {
        "kind": kind,
        "base_url": base_url,
        "api_key": API_KEY,
        "price_provider": kind,
        "max_retries": 2,
    }
    settings.update(profile)
    return build_provider(
        f"test-{kind}",
        ProviderProfile.model_validate(settings),
        clock=clock,
        sleeper=sleeper,
        rng=random.Random(7),
    )


@pytest.fixture
def openai_provider(
    wire_server: WireServer, clock: ManualClock, sleeper: ClockSleeper
) -> Iterator[ModelProvider]:
    """An OpenAI-compatible provider talking to ``wire_server``."""
    provider = make_provider("openai", wire_server, clock, sleeper)
    yield provider
    provider.close()


@pytest.fixture
def anthropic_provider(
    wire_server: WireServer, clock: ManualClock, sleeper: ClockSleeper
) -> Iterator[ModelProvider]:
    """An Anthropic provider talking to ``wire_server``."""
    provider = make_provider("anthropic", wire_server, clock, sleeper)
    yield provider
    provider.close()
