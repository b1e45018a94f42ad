"""Settings of the analytics service: the common block of every service (see
``strangler.service.settings``) and what is its own: its apps, its database and the events it
consumes.

Its database is ``ANALYTICS_DATABASE_URL`` (or a sibling ``<name>_analytics`` of the
monolith's PostgreSQL database, or SQLite under var/analytics/).
"""

from __future__ import annotations

from strangler.config import service_database
from strangler.service.settings import service_settings

SERVICE_NAME = "analytics"

globals().update(
    service_settings(
        SERVICE_NAME,
        package="extracted.analytics",
        apps=["extracted.analytics.sales"],
        database=service_database(SERVICE_NAME),
        subscriptions="extracted.analytics.sales.handlers.SUBSCRIPTIONS",
        # Only these two: why payment.* would count money twice is in sales/handlers.py.
        subscribes=("order.paid", "order.cancelled"),
        title="Analytics service API",
        description="Sales figures (per day, per product, totals) kept from the order events.",
    )
)
