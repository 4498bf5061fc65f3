"""Tools for the agent tests, loaded by import path like a user's would be."""

from __future__ import annotations

from typing import Literal

from llmloop.domain.clock import ManualClock

CLOCK = ManualClock()


def lookup_order(order_id: str, include_items: bool = False) -> dict[str, object]:
    """Find an order by its id.

    Args:
        order_id: The order number, e.g. "A-17".
        include_items: Whether to list the items too.
    """
    if order_id != "A-17":
        raise KeyError(f"no order {order_id}")
    order: dict[str, object] = {"id": order_id, "status": "shipped"}
    if include_items:
        order["items"] = ["lamp"]
    return order


def convert(
    amount: float, currency: Literal["EUR", "USD"], rates: dict[str, float] | None = None
) -> str:
    """Convert an amount of dollars into a currency."""
    rate = (rates or {"EUR": 0.5, "USD": 1.0})[currency]
    return f"{amount * rate:.2f} {currency}"


def slow_search(query: str) -> str:
    """A search that takes 40 simulated seconds."""
    CLOCK.advance(40)
    return f"results for {query}"


def untyped(query, limit: int = 3):  # type: ignore[no-untyped-def]
    """A tool whose first parameter has no type."""
    return query


NOT_A_FUNCTION = 3
