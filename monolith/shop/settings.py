"""Settings of the monolith shop. Every value comes from the environment (django-environ);
the defaults are the embedded ones: SQLite and a broker that needs no server."""

from __future__ import annotations

from datetime import timedelta
from importlib.util import find_spec

from strangler.config import (
    REPO_ROOT,
    broker,
    cache,
    config_store_url,
    database,
    env,
    var_dir,
)
from strangler.service import settings as common
from strangler.stages.manifest import STAGES, latest_stage
from strangler.telemetry.logs import json_logging
from strangler.telemetry.metrics import instrument_database

SERVICE_NAME = "monolith"
VAR_DIR = var_dir(SERVICE_NAME)
# debug, secret, hosts, locale, static files: as in every service
globals().update(common.django_basics(SERVICE_NAME))


def present(*packages: str) -> list[str]:
    """The packages this tree holds. A stage adds or retires whole folders (the outboxes and
    the events library arrive at stage 2, the notifications app leaves there), so the apps
    are discovered, not listed per stage (stage 4 retires inventory and payments). A package is
    its ``__init__.py``: a folder a checkout left with only ``__pycache__`` in it is not one."""
    return [p for p in packages if _has_init(p)]


def _has_init(package: str) -> bool:
    try:
        spec = find_spec(package)
    except ModuleNotFoundError:  # its parent package left the tree too (monolith.payments.outbox)
        return False
    return spec is not None and spec.origin is not None


# Each context's outbox (stage 2 on), an app of its own so that its table arrives with it:
# package -> app label.
OUTBOXES = {
    "monolith.orders.outbox": "orders_outbox",
    "monolith.payments.outbox": "payments_outbox",
    "monolith.inventory.outbox": "inventory_outbox",
}
OUTBOX_APPS = present(*OUTBOXES)

INSTALLED_APPS = [
    *common.FRAMEWORK_APPS,
    "strangler.idempotency",
    *present("strangler.events"),  # stage 2 on: the outbox relay's command, the events admin
    "strangler.telemetry",
    "monolith.shop",
    "monolith.catalog",
    "monolith.customers",
    "monolith.orders",
    *present("monolith.inventory", "monolith.payments"),  # stages 0-3: stage 4 retires them
    *OUTBOX_APPS,
    *present("monolith.notifications"),  # stages 0 and 1: stage 2 retires it
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
# How long a customer has to pay a placed order; inventory holds its stock that long at most.
ORDERS_PAYMENT_WINDOW = timedelta(seconds=env.int("ORDERS_PAYMENT_WINDOW_SECONDS", default=15 * 60))
# The inventory and payments contexts' own (stages 0 to 3: stage 4 retires both contexts, and
# the services read theirs): the longest hold, the fraud rules' limits.
INVENTORY_RESERVATION_TTL = timedelta(
    seconds=env.int("INVENTORY_RESERVATION_TTL_SECONDS", default=15 * 60)
)
FRAUD_MAX_AMOUNT = env.str("FRAUD_MAX_AMOUNT", default="5000.00")
FRAUD_MAX_ATTEMPTS = env.int("FRAUD_MAX_ATTEMPTS", default=5)
FRAUD_WINDOW = timedelta(seconds=env.int("FRAUD_WINDOW_SECONDS", default=600))
# Branch by abstraction: the dotted path of the adapter behind each port, built once at start-up
# (monolith.shop.bootstrap; `manage.py check` names a wrong one). A stage's processes get its
# adapters from the manifest's settings; without them (tests, `manage.py shell`) a port gets
# what the latest stage this tree can run sets: the tree holds that stage's adapters (stage 2
# retires the in-process notifications one), and tests that need another one say so. A port of
# a context a stage retired (payments' and inventory's, at stage 4; main still holds their
# code) gets what the last stage that ran it set.
_LATEST = latest_stage().number  # reads the checkout: once, not once per stage
STAGE_ADAPTERS = {
    name: value
    for stage in STAGES
    if stage.number <= _LATEST
    for name, value in stage.settings_env.items()
}
# How orders reaches inventory and payments:
ORDERS_INVENTORY_ADAPTER = env.str(
    "ORDERS_INVENTORY_ADAPTER", default=STAGE_ADAPTERS["ORDERS_INVENTORY_ADAPTER"]
)
ORDERS_PAYMENTS_ADAPTER = env.str(
    "ORDERS_PAYMENTS_ADAPTER", default=STAGE_ADAPTERS["ORDERS_PAYMENTS_ADAPTER"]
)
# Where payments is a service (stage 4 on), the monolith's consumer reconciles its approvals
# with the orders given up meanwhile (payment.approved: monolith/orders/handlers.py).
RECONCILE_PAYMENTS = ORDERS_PAYMENTS_ADAPTER.endswith(".HttpPayments")
# The inventory service, where the inventory adapter is the HTTP one
# (monolith.orders.http_inventory.HttpInventory): its base URL and the timeout of every call.
INVENTORY_SERVICE_URL = env.str("INVENTORY_SERVICE_URL", default="http://127.0.0.1:8002")
INVENTORY_TIMEOUT = env.float("INVENTORY_TIMEOUT", default=2.0)  # seconds
# Its circuit breaker: open after this many failed calls in a row, for this many seconds.
INVENTORY_BREAKER_FAILURES = env.int("INVENTORY_BREAKER_FAILURES", default=5)
INVENTORY_BREAKER_RESET_SECONDS = env.float("INVENTORY_BREAKER_RESET_SECONDS", default=10.0)
# The payments service, where the payments adapter is the HTTP one
# (monolith.orders.http_payments.HttpPayments, stage 4 on): its base URL, every
# call's timeout (a charge includes the service's own call to fraud, bounded by its
# FRAUD_TIMEOUT of 2 s), and its circuit breaker, opened by this many failed calls in a row
# for this many seconds.
PAYMENTS_SERVICE_URL = env.str("PAYMENTS_SERVICE_URL", default="http://127.0.0.1:8003")
PAYMENTS_TIMEOUT = env.float("PAYMENTS_TIMEOUT", default=5.0)  # seconds
PAYMENTS_BREAKER_FAILURES = env.int("PAYMENTS_BREAKER_FAILURES", default=5)
PAYMENTS_BREAKER_RESET_SECONDS = env.float("PAYMENTS_BREAKER_RESET_SECONDS", default=10.0)
# How payments reaches orders and the card processor (stages 0 to 3):
PAYMENTS_ORDER_BOOK = env.str(
    "PAYMENTS_ORDER_BOOK", default="monolith.payments.adapters.InProcessOrderBook"
)
PAYMENTS_CARD_PROCESSOR = env.str(
    "PAYMENTS_CARD_PROCESSOR", default="monolith.payments.processor.FakeCardProcessor"
)
# Who assesses a charge for fraud: the rules in process
# (monolith.payments.adapters.InProcessFraud). From stage 4 on payments is a service of its own,
# which asks the fraud service itself.
PAYMENTS_FRAUD_ADAPTER = env.str(
    "PAYMENTS_FRAUD_ADAPTER", default=STAGE_ADAPTERS["PAYMENTS_FRAUD_ADAPTER"]
)
# Where a new customer's credential is kept: on the customer's row (stages 0-4:
# monolith.customers.adapters.InProcessCredentials), or by the identity service (stage 5 on).
CUSTOMERS_CREDENTIALS_ADAPTER = env.str(
    "CUSTOMERS_CREDENTIALS_ADAPTER", default=STAGE_ADAPTERS["CUSTOMERS_CREDENTIALS_ADAPTER"]
)
# The identity service, where the credentials adapter is the HTTP one
# (monolith.customers.http_identity.HttpIdentity): its base URL, every call's timeout, and its
# circuit breaker, opened by this many failed calls in a row for this many seconds.
IDENTITY_SERVICE_URL = env.str("IDENTITY_SERVICE_URL", default="http://127.0.0.1:8005")
IDENTITY_TIMEOUT = env.float("IDENTITY_TIMEOUT", default=10.0)  # seconds: a password hash
IDENTITY_BREAKER_FAILURES = env.int("IDENTITY_BREAKER_FAILURES", default=5)
IDENTITY_BREAKER_RESET_SECONDS = env.float("IDENTITY_BREAKER_RESET_SECONDS", default=10.0)
# A flag: whether new customers may register (off: 403 registration_closed, nothing written),
# to pause sign-ups in an incident or a cut-over; from stage 5 flipped in deploy/config/ and
# applied by every process at once.
CUSTOMERS_REGISTRATION_OPEN = env.bool("CUSTOMERS_REGISTRATION_OPEN", default=True)
# Who hears about orders: notifications in process (stages 0-1:
# monolith.orders.in_process_notifications.InProcessNotifications), or integration events
# through the orders outbox (stage 2 on: monolith.orders.outbox.adapters.OutboxEvents).
ORDERS_EVENTS_ADAPTER = env.str(
    "ORDERS_EVENTS_ADAPTER", default=STAGE_ADAPTERS["ORDERS_EVENTS_ADAPTER"]
)
# Who hears about payments and stock: nobody (stages 0-1: ...adapters.NoEvents), or integration
# events through each context's own outbox (stage 2 on: ...outbox.adapters.OutboxEvents).
PAYMENTS_EVENTS_ADAPTER = env.str(
    "PAYMENTS_EVENTS_ADAPTER", default=STAGE_ADAPTERS["PAYMENTS_EVENTS_ADAPTER"]
)
INVENTORY_EVENTS_ADAPTER = env.str(
    "INVENTORY_EVENTS_ADAPTER", default=STAGE_ADAPTERS["INVENTORY_EVENTS_ADAPTER"]
)

# --- settings that may change while the processes run, read where they are used with
# strangler.config.live_setting: the values above, or from stage 5 the central config store's
# (CONFIG_STORE_URL: etcd, or a folder of files in the embedded demo), fed from deploy/config/
# in Git by `python -m strangler config sync`, every change versioned and audited.
CONFIG_STORE_URL = config_store_url()
DYNAMIC_SETTINGS = [
    "INVENTORY_TIMEOUT",
    "INVENTORY_BREAKER_FAILURES",
    "INVENTORY_BREAKER_RESET_SECONDS",
    "PAYMENTS_TIMEOUT",
    "PAYMENTS_BREAKER_FAILURES",
    "PAYMENTS_BREAKER_RESET_SECONDS",
    "IDENTITY_TIMEOUT",
    "IDENTITY_BREAKER_FAILURES",
    "IDENTITY_BREAKER_RESET_SECONDS",
    "CUSTOMERS_REGISTRATION_OPEN",
]

# --- integration events (strangler.events): the outbox tables `manage.py outbox_relay` reads
EVENTS_OUTBOX_MODELS = [f"{OUTBOXES[app]}.OutboxMessage" for app in OUTBOX_APPS]
# The events the monolith's contexts consume from extracted services: their handler table (it
# arrives with the first service whose events the monolith handles), the monolith's own copies
# of the producers' schemas. The queue (monolith.events) is bound by `manage.py events_declare`
# and consumed by a worker of its own (the Celery app monolith.shop.consumer), both started by
# the stages that need them.
if present("monolith.shop.handlers"):
    from strangler.service.queues import events_settings

    globals().update(
        events_settings(
            SERVICE_NAME,
            subscriptions="monolith.shop.handlers.SUBSCRIPTIONS",
            subscribes=(
                "order.created",
                "stock.commit_failed",
                *(("payment.approved",) if RECONCILE_PAYMENTS else ()),
            ),
            schemas=REPO_ROOT / "monolith" / "schemas",
        )
    )

# JSON lines with service, trace_id, span_id and request_id (LOG_FORMAT=plain for text)
LOGGING = json_logging(SERVICE_NAME)

# --- periodic tasks (run by `celery worker --beat` in the demo) ---------------------------
CELERY_BEAT_SCHEDULE = {
    # cancels pending orders whose reservation expired, releasing their stock
    "orders-expire-stale-orders": {"task": "orders.expire_stale_orders", "schedule": 60.0},
    # asks payments again for every refund still owed (the retrying task lost or given up)
    "orders-settle-owed-refunds": {"task": "orders.settle_owed_refunds", "schedule": 300.0},
}
# while the tree holds the inventory context (stage 4 retires it; from stage 3 the service's
# own beat releases the holds it owns)
if present("monolith.inventory"):
    # safety net: releases any reservation left active past its expiry (no order to cancel)
    CELERY_BEAT_SCHEDULE["inventory-release-expired"] = {
        "task": "inventory.release_expired_reservations",
        "schedule": 300.0,
    }
