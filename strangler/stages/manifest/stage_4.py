"""Stage 4: payments and fraud extracted; the checkout charges over HTTP, payments asks fraud.

Fraud leaves first: a leaf with no dependencies of its own, it owns the rules, their limits
and the record of every assessment, from which it counts a customer's attempts; it subscribes
to nothing, publishes nothing, and the gateway routes nothing to it.

Then payments: the service owns the payment attempts and refunds from this stage on (its
set-up hands the monolith's rows over with ``take_over_payments``, strangler.migrate's backfill
and verify, before any of its processes start), charges and refunds for the checkout over HTTP
(``HttpPayments``: a timeout, the order as the Idempotency-Key of the charge, the circuit
breaker), asks the fraud service about every attempt (``HttpFraud``, its own breaker), and
publishes payment.* through its own outbox and relay. The gateway routes ``/api/v1/payments``
to it; paying an order later reads and confirms the order through the monolith's order book
(``/internal/v1/orders``).

Last, the decommission: with payments and inventory (stage 3) served by their services and
their rows handed over, the monolith's payments and inventory contexts leave the tree, with
the in-process adapters that reached them and the tests that ran them in process. Their tables
stay in the monolith's database, untouched (a rollback's target until a team drops them); main
keeps the code, since it runs every stage.
"""

from __future__ import annotations

from dataclasses import replace

from strangler.stages.manifest.model import Stage, Subscription
from strangler.stages.manifest.services import (
    service_manage,
    service_relay,
    service_setup,
    service_web,
)
from strangler.stages.manifest.stage_1 import gateway_for

ROUTES = "gateway/routes/stage-4.yaml"
# no upstream: the gateway never routes to fraud, only payments calls it
FRAUD_WEB = replace(service_web("fraud"), upstream="")
PAYMENTS_WEB = service_web("payments")
PAYMENTS_RELAY = service_relay("payments")


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    served = (*previous.processes, FRAUD_WEB, PAYMENTS_WEB)
    return previous.extend(
        number=4,
        tag="stage-4-payments",
        title="Payments and fraud extracted: the checkout charges over HTTP, payments asks fraud",
        setup=(
            *service_setup("fraud"),
            *service_setup("payments"),
            # the payment attempts and refunds handed over (copied, verified) before it serves
            (*service_manage("payments"), "take_over_payments"),
            # the monolith no longer seeds stock (its inventory context is retired): the
            # service seeds the demo's shelves it lacks (none where stage 3 handed them over)
            (*service_manage("inventory"), "seed_demo_stock"),
        ),
        add=(FRAUD_WEB, PAYMENTS_WEB, PAYMENTS_RELAY),
        replace_processes=(gateway_for(served, ROUTES),),
        routes=ROUTES,
        settings={
            "ORDERS_PAYMENTS_ADAPTER": "monolith.orders.http_payments.HttpPayments",
            "PAYMENTS_SERVICE_URL": "http://127.0.0.1:{port:payments}",
            # a charge waits for the service's own call to fraud (FRAUD_TIMEOUT) and the card
            "PAYMENTS_TIMEOUT": "5.0",
            "FRAUD_SERVICE_URL": "http://127.0.0.1:{port:fraud}",
            "FRAUD_TIMEOUT": "2.0",
            # the payments service reads and confirms orders at the monolith's order book
            "MONOLITH_SERVICE_URL": "http://127.0.0.1:{port:monolith}",
        },
        # an approval of an order the checkout gave up on meanwhile is refunded (the monolith's
        # consumer reconciles them: a charge that reached payments after its refund)
        subscriptions=(Subscription("payment.approved", "monolith", queue="monolith.events"),),
        # read by the monolith's payments and inventory contexts only, retired below
        unset=("PAYMENTS_FRAUD_ADAPTER", "PAYMENTS_EVENTS_ADAPTER", "INVENTORY_EVENTS_ADAPTER"),
        introduces=(
            "extracted/fraud/",
            "docs/api/fraud-v1.yaml",
            "strangler/contracts/pacts/payments-fraud.json",
            "extracted/payments/",
            "docs/api/payments-v1.yaml",
            "monolith/orders/http_payments.py",
            "monolith/orders/internal_apis.py",
            "monolith/orders/internal_urls.py",
            "monolith/orders/tests/test_http_payments.py",
            "monolith/orders/tests/test_pact_payments.py",
            "monolith/orders/tests/test_internal_apis.py",
            "strangler/contracts/pacts/monolith-orders-payments.json",
            "strangler/contracts/pacts/payments-monolith.json",
            "gateway/routes/stage-4.yaml",
            "docs/stages/4-payments.md",
            # the monolith's copy of the tables the retired code used: archived, then dropped
            "strangler/migrate/retire.py",
            # the monolith's copy of the schema of the service's approvals it reconciles
            "monolith/schemas/payment.approved.v1.json",
            "monolith/orders/tests/test_reconciling_payments.py",
            "strangler/migrate/tests/test_retire.py",
            "docs/prometheus/stage-4.yml",
            "deploy/k8s/stage-4.yaml",
            "tests/e2e/test_fraud_down.py",
            "tests/e2e/test_paying_later.py",
        ),
        # Decommission: the contexts whose routes, rows and callers moved to services leave
        # the tree (docs/stages/4-payments.md, "What leaves the monolith").
        retires=(
            "monolith/inventory/",
            "monolith/payments/",
            "monolith/orders/in_process_inventory.py",
            "monolith/orders/in_process_payments.py",
            "tests/in_process_contexts.py",
            # the monolith with every context in one process, and what ran on its inventory
            "tests/api/",
            "tests/gateway/test_composition_against_the_monolith.py",
            "tests/gateway/test_translation_against_the_monolith.py",
            "tests/e2e/test_checkout_race.py",
            "tests/migrate/test_monolith_read_only.py",
            # the runbook of stage 3's cut-over, run on the monolith's inventory tables
            "tests/e2e/test_inventory_runbook.py",
            "tests/e2e/test_moving_inventory_data.py",
        ),
        doc="docs/stages/4-payments.md",
        changes=(
            "fraud extracted into its own Django project and database: the rules, their limits "
            "and a record of every assessment (admin, OpenAPI), counting a customer's attempts "
            "from its own records",
            "payments extracted into its own Django project and database (charges, refunds, "
            "the public payments API, admin, its outbox and relay); the monolith's attempts "
            "and refunds handed over with strangler.migrate (backfill + verify) by the set-up",
            "the checkout charges and refunds over HTTP (HttpPayments: a timeout, the order as "
            "the charge's Idempotency-Key, a circuit breaker shared through Redis); payments "
            "asks fraud about every attempt (HttpFraud, the attempt's reference as the key); "
            "payments or fraud down -> 503, nothing charged, no order; a refund waits for a "
            "charge still running, a refund payments did not answer is retried by the worker, "
            "and an approval of an order cancelled meanwhile (payment.approved) is refunded",
            "the gateway routes /api/v1/payments to the service, which reads and confirms "
            "orders at the monolith's order book (/internal/v1/orders)",
            "the monolith's inventory and payments contexts are retired (decommissioned), with "
            "their in-process adapters and the tests that ran them in process; the inventory "
            "service seeds the demo's shelves itself; `migrate retire` archives and drops the "
            "monolith's copy of their tables once the service is proven to hold every row",
        ),
    )
