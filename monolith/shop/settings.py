"""Settings of the monolith shop. Every value comes from the environment (django-environ);
the defaults are the embedded ones: SQLite and a broker that needs no server."""

from __future__ import annotations

from datetime import timedelta

from strangler.config import broker, cache, database, env, var_dir
from strangler.service import settings as common
from strangler.telemetry.logs import json_logging
from strangler.telemetry.metrics import instrument_database

SERVICE_NAME = "monolith"
VAR_DIR = var_dir(SERVICE_NAME)
# debug, secret, hosts, locale, static files: as in every service
globals().update(common.django_basics(SERVICE_NAME))

INSTALLED_APPS = [
    *common.FRAMEWORK_APPS,
    "strangler.idempotency",
    "strangler.events",
    "strangler.telemetry",
    "monolith.shop",
    "monolith.catalog",
    "monolith.customers",
    "monolith.orders",
    "monolith.inventory",
    "monolith.payments",
    "monolith.notifications",
]

MIDDLEWARE = common.middleware()  # counted for /metrics (django-prometheus)
ROOT_URLCONF = "monolith.shop.urls"
WSGI_APPLICATION = "monolith.shop.wsgi.application"
TEMPLATES = common.TEMPLATES

DATABASES = {"default": instrument_database(database(SERVICE_NAME))}
CACHES = {"default": cache()}

# --- e-mail: a file per message in the embedded default, so "the e-mail was sent" is visible
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@example.com")

# --- Celery
CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = broker(SERVICE_NAME)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="monolith")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- REST API: the same conventions and error shape as every service
REST_FRAMEWORK = common.REST_FRAMEWORK
SPECTACULAR_SETTINGS = common.spectacular(
    title="Shop API",
    description="The public API of the shop. The same contract is served at every stage.",
)

# --- JWT (RS256). Keys come from files; the embedded default generates a pair under var/.
globals().update(common.jwt())

# --- the contexts' own settings
INVENTORY_RESERVATION_TTL = timedelta(
    seconds=env.int("INVENTORY_RESERVATION_TTL_SECONDS", default=15 * 60)
)
FRAUD_MAX_AMOUNT = env.str("FRAUD_MAX_AMOUNT", default="5000.00")
FRAUD_MAX_ATTEMPTS = env.int("FRAUD_MAX_ATTEMPTS", default=5)
FRAUD_WINDOW = timedelta(seconds=env.int("FRAUD_WINDOW_SECONDS", default=600))
# Branch by abstraction: the dotted path of the adapter behind each port, built once at start-up
# (monolith.shop.bootstrap; `manage.py check` names a wrong one). How orders reaches inventory
# and payments:
ORDERS_INVENTORY_ADAPTER = env.str(
    "ORDERS_INVENTORY_ADAPTER", default="monolith.orders.adapters.InProcessInventory"
)
ORDERS_PAYMENTS_ADAPTER = env.str(
    "ORDERS_PAYMENTS_ADAPTER", default="monolith.orders.adapters.InProcessPayments"
)
# How payments reaches orders and the card processor:
PAYMENTS_ORDER_BOOK = env.str(
    "PAYMENTS_ORDER_BOOK", default="monolith.payments.adapters.InProcessOrderBook"
)
PAYMENTS_CARD_PROCESSOR = env.str(
    "PAYMENTS_CARD_PROCESSOR", default="monolith.payments.processor.FakeCardProcessor"
)
# Who hears about orders: notifications in process (stages 0-1), or integration events through
# the orders outbox (stage 2 on: monolith.orders.adapters.OutboxEvents).
ORDERS_EVENTS_ADAPTER = env.str(
    "ORDERS_EVENTS_ADAPTER", default="monolith.orders.adapters.InProcessNotifications"
)
# Who hears about payments and stock: nobody (stages 0-1), or integration events through each
# context's own outbox (stage 2 on: monolith.payments.adapters.OutboxEvents,
# monolith.inventory.adapters.OutboxEvents).
PAYMENTS_EVENTS_ADAPTER = env.str(
    "PAYMENTS_EVENTS_ADAPTER", default="monolith.payments.adapters.NoEvents"
)
INVENTORY_EVENTS_ADAPTER = env.str(
    "INVENTORY_EVENTS_ADAPTER", default="monolith.inventory.adapters.NoEvents"
)

# --- integration events (strangler.events): the outbox tables `manage.py outbox_relay` reads
EVENTS_OUTBOX_MODELS = ["orders.OutboxMessage", "payments.OutboxMessage", "inventory.OutboxMessage"]

# JSON lines with service, trace_id, span_id and request_id (LOG_FORMAT=plain for text)
LOGGING = json_logging(SERVICE_NAME)

# --- periodic tasks (run by `celery worker --beat` in the demo) ---------------------------
CELERY_BEAT_SCHEDULE = {
    # cancels pending orders whose reservation expired, releasing their stock
    "orders-expire-stale-orders": {"task": "orders.expire_stale_orders", "schedule": 60.0},
    # safety net: releases any reservation left active past its expiry (no order to cancel)
    "inventory-release-expired": {
        "task": "inventory.release_expired_reservations",
        "schedule": 300.0,
    },
}
