"""The analytics service's settings: sales figures kept from the order events, in its own
database (``ANALYTICS_DATABASE_URL``); everything else is every service's common block."""

from __future__ import annotations

from strangler.service.settings import service_settings

globals().update(
    service_settings(
        "analytics",
        apps=["extracted.analytics.sales"],
        # Only the order events: why payment.* would count money twice is in sales/handlers.py.
        subscribes=("order.created", "order.paid", "order.cancelled"),
        description=(
            "Sales figures (per day, per product, totals) and orders placed per day, kept "
            "from the order events."
        ),
    )
)
