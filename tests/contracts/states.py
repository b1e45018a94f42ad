"""Provider states the monolith's pact tests share: rows written with the models, with the exact
ids the consumers' examples name (no public API creates a row with a chosen id)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from monolith.orders.models import Order
from strangler.contracts.pact import CUSTOMER_ID

ORDER_ID, PAYMENT_ID = 7, 31

# Where every order of these states ships to.
SHIPPING = {
    "shipping_name": "Ada Lovelace",
    "shipping_line1": "1 Analytical Way",
    "shipping_city": "London",
    "shipping_postal_code": "N1 7AA",
    "shipping_country": "GB",
}


def a_paid_order(**_: Any) -> None:
    """Customer CUSTOMER_ID's order 7, paid with payment 31 (the payments service's)."""
    Order.objects.update_or_create(
        id=ORDER_ID,
        defaults={
            "customer_id": CUSTOMER_ID,
            "status": "paid",
            "total": Decimal("12.00"),
            "currency": "EUR",
            **SHIPPING,
            "payment_id": PAYMENT_ID,
        },
    )
