"""Settings of the payments service.

What is its own: the charges app (the monolith's payments and refunds tables) and its outbox,
the idempotency keys of the calls it answers, the adapter behind each of its ports (the card
processor, the fraud service, the monolith's order book, its outbox) and the two services it
calls. It consumes no events; it publishes payment.* through its outbox. The rest, its
database (``PAYMENTS_DATABASE_URL``) included, is the common block of ``strangler.service``.
"""

from __future__ import annotations

from datetime import timedelta

from strangler.config import env
from strangler.service.settings import service_settings

SERVICE_NAME = "payments"

globals().update(
    service_settings(
        SERVICE_NAME,
        apps=[
            "extracted.payments.charges",
            "extracted.payments.charges.outbox",
            "strangler.idempotency",
        ],
        description="The customers' payments: pay a pending order with a card token, list and "
        "read one's own payments.",
        # its clients' timeouts and breaker limits, kept from deploy/config/payments.yaml where
        # the stage has a central config store (read with strangler.config.live_setting)
        dynamic=[
            *("FRAUD_TIMEOUT", "FRAUD_BREAKER_FAILURES", "FRAUD_BREAKER_RESET_SECONDS"),
            *("MONOLITH_TIMEOUT", "MONOLITH_BREAKER_FAILURES", "MONOLITH_BREAKER_RESET_SECONDS"),
        ],
    )
)

# --- the adapter behind each port (extracted.payments.charges.wiring), built once at start-up
# by the service's composition root (extracted.payments.charges.bootstrap; `manage.py check`
# names a wrong one). Tests put fakes behind them. Not read from the environment: there the
# PAYMENTS_*_ADAPTER variables are the monolith's (a stage gives its settings to every process),
# naming the monolith's in-process adapters.
PAYMENTS_CARD_PROCESSOR = "extracted.payments.charges.processor.FakeCardProcessor"
PAYMENTS_FRAUD_ADAPTER = "extracted.payments.charges.http_fraud.HttpFraud"
PAYMENTS_ORDER_BOOK = "extracted.payments.charges.http_order_book.HttpOrderBook"
PAYMENTS_EVENTS_ADAPTER = "extracted.payments.charges.outbox.adapters.OutboxEvents"

# Payments' own count of a customer's attempts within the fraud window (sent to fraud with each
# attempt, as the monolith's payments counts it); the fraud service applies its own limits.
FRAUD_WINDOW = timedelta(seconds=env.int("FRAUD_WINDOW_SECONDS", default=600))

# --- the services it calls (strangler.http.client_for): base URL, every call's timeout, and the
# circuit breaker, opened by this many failed calls in a row for this many seconds (the timeout
# and the limits are read on every call: the dynamic settings above).
# The fraud service assesses every charge (HttpFraud).
FRAUD_SERVICE_URL = env.str("FRAUD_SERVICE_URL", default="http://127.0.0.1:8007")
FRAUD_TIMEOUT = env.float("FRAUD_TIMEOUT", default=2.0)  # seconds
FRAUD_BREAKER_FAILURES = env.int("FRAUD_BREAKER_FAILURES", default=5)
FRAUD_BREAKER_RESET_SECONDS = env.float("FRAUD_BREAKER_RESET_SECONDS", default=10.0)
# The monolith's internal order book: reads and confirms the order a payment pays
# (HttpOrderBook).
MONOLITH_SERVICE_URL = env.str("MONOLITH_SERVICE_URL", default="http://127.0.0.1:8001")
MONOLITH_TIMEOUT = env.float("MONOLITH_TIMEOUT", default=2.0)  # seconds
MONOLITH_BREAKER_FAILURES = env.int("MONOLITH_BREAKER_FAILURES", default=5)
MONOLITH_BREAKER_RESET_SECONDS = env.float("MONOLITH_BREAKER_RESET_SECONDS", default=10.0)

# --- integration events: the outbox `manage.py outbox_relay` reads
EVENTS_OUTBOX_MODELS = ["payments_outbox.OutboxMessage"]
