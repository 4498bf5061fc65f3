"""Two small tools for the demo's agent, named in its spec by import path like a team's own."""

from __future__ import annotations

from typing import Literal

__all__ = ["convert_currency", "order_status"]

_ORDERS = {
    "A-17": "Order A-17 shipped on 3 March with Parcelo and arrives on 6 March.",
    "B-42": "Order B-42 is packed and ships tomorrow morning.",
}
_RATES = {"EUR": 0.92, "GBP": 0.79, "USD": 1.0}


def order_status(order_id: str) -> str:
    """Look up the shipping status of an order.

    Args:
        order_id: The order number, e.g. "A-17".
    """
    if order_id not in _ORDERS:
        raise KeyError(f"there is no order {order_id}")
    return _ORDERS[order_id]


def convert_currency(amount: float, currency: Literal["EUR", "GBP", "USD"]) -> str:
    """Convert a price in dollars into another currency.

    Args:
        amount: The price in US dollars.
        currency: The currency to convert into.
    """
    return f"{amount:g} dollars is {amount * _RATES[currency]:.2f} {currency}."
