"""How a provider prices a call: a function of the model id and the token usage.

Adapters never compute prices themselves; they are given a :data:`CostFunction`. Hosted
vendors' endpoints price through llmloop's shared pricing (``llmloop.domain.pricing``); a
self-hosted endpoint has no list price, so its cost is unknown (``None``), never 0; the
offline ``local`` model really is free (0.0).
"""

from __future__ import annotations

from collections.abc import Callable

from llmloop.domain.clock import Clock
from llmloop.domain.pricing import PriceBook, TokenUsage

__all__ = ["CostFunction", "free", "no_cost", "priced_by"]

CostFunction = Callable[[str, TokenUsage], float | None]


def no_cost(model: str, usage: TokenUsage) -> float | None:
    """Unknown price: the cost is recorded as unknown, not as zero."""
    return None


def free(model: str, usage: TokenUsage) -> float | None:
    """A model that costs nothing to call (the offline local model)."""
    return 0.0


def priced_by(book: PriceBook, provider_id: str, clock: Clock) -> CostFunction:
    """Cost from llmloop's shared price book for the vendor *provider_id*, at the clock's time."""

    def cost(model: str, usage: TokenUsage) -> float | None:
        price = book.cost_usd(model, provider_id, usage, at=clock.now())
        return None if price is None else float(price)

    return cost
