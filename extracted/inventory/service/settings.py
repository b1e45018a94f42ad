"""Settings of the inventory service.

What is its own: the stock app and its outbox, the order events it turns into stock moves,
how long a hold lasts, and the sweeper that gives back stale holds. The rest, its database
(``INVENTORY_DATABASE_URL``) included, is the common block of ``strangler.service``.
"""

from __future__ import annotations

from datetime import timedelta

from strangler.config import env
from strangler.service.settings import service_settings

SERVICE_NAME = "inventory"

globals().update(
    service_settings(
        SERVICE_NAME,
        apps=["extracted.inventory.stock", "extracted.inventory.stock.outbox"],
        subscribes=("order.created", "order.paid", "order.cancelled"),
        description="Stock by SKU and the holds orders take on it.",
    )
)

# --- the stock rules
INVENTORY_RESERVATION_TTL = timedelta(
    seconds=env.int("INVENTORY_RESERVATION_TTL_SECONDS", default=15 * 60)
)
# A hold made over the API that no order.created has confirmed after this long belongs to a
# checkout that rolled back (or whose call timed out): the sweeper gives its units back.
INVENTORY_UNCONFIRMED_HOLD_SECONDS = env.int("INVENTORY_UNCONFIRMED_HOLD_SECONDS", default=120)

# --- integration events: the outbox `manage.py outbox_relay` reads
EVENTS_OUTBOX_MODELS = ["inventory_outbox.OutboxMessage"]

# --- periodic tasks (run by `celery worker --beat`)
CELERY_BEAT_SCHEDULE = {
    "inventory-release-stale-holds": {
        "task": "inventory.release_stale_holds",
        "schedule": env.float("INVENTORY_SWEEP_SECONDS", default=30.0),
    },
}
