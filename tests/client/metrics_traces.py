"""Traces for metrics tests: an app's root span and its LLM calls, at chosen times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llmloop.client.protocols import Client
from tests.monitor.otlp_builders import make_request, make_span


def app_trace(
    n: int,
    *,
    at_ms: float,
    duration_ms: float,
    version: str = "v1",
    variant: str | None = None,
    error: bool = False,
    calls: Sequence[tuple[str, float | None]] = (("gpt-4o", 0.25),),
    tokens: tuple[int, int] = (100, 20),
    tags: Sequence[str] = (),
) -> list[Any]:
    """A root span and one LLM span per call (model, cost or None for unpriced), *at_ms* from T0."""
    context: dict[str, Any] = {
        "llmloop.kind": "chain",
        "llmloop.app": "support-bot",
        "llmloop.app_version": version,
        "llmloop.environment": "production",
    }
    if variant is not None:
        context["llmloop.variant"] = variant
    if tags:
        context["llmloop.tags"] = list(tags)
    spans = [
        make_span(n, n * 10, name="answer", start_ms=at_ms, duration_ms=duration_ms,
                  attributes=context, error=error)
    ]  # fmt: skip
    for index, (model, cost) in enumerate(calls, start=1):
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai" if cost is not None else "acme",
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": tokens[0],
            "gen_ai.usage.output_tokens": tokens[1],
        }
        if cost is not None:
            attributes["llmloop.cost_usd"] = cost
        spans.append(
            make_span(n, n * 10 + index, parent=n * 10, name=f"chat {model}",
                      start_ms=at_ms + index, duration_ms=10 * index, attributes=attributes)
        )  # fmt: skip
    return spans


def send_traces(client: Client, *traces: list[Any]) -> None:
    """Ingest the spans of *traces* in one request; every span must be accepted."""
    spans = [span for trace in traces for span in trace]
    result = client.traces.ingest(make_request(spans))
    assert result.rejected == 0, result.errors
