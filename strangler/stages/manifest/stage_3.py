"""Stage 3: inventory extracted; the checkout reserves stock over HTTP, the rest by events.

The service owns the stock from this stage on: its set-up hands the monolith's stock and
reservations over (``take_over_stock``, strangler.migrate's backfill and verify) before any of
its processes start, and the monolith's orders switch to the HTTP adapter. The monolith's
inventory tables stay (stage 4 retires them): the runbook (docs/migrating-data.md) is how a
running shop moves them without stopping; the demo starts from a stopped one.
"""

from __future__ import annotations

from strangler.stages.manifest.commands import celery_worker
from strangler.stages.manifest.model import ProcessSpec, Stage, Subscription
from strangler.stages.manifest.services import (
    service_manage,
    service_relay,
    service_setup,
    service_web,
    service_worker,
)
from strangler.stages.manifest.stage_0 import MANAGE
from strangler.stages.manifest.stage_1 import gateway_for

ROUTES = "gateway/routes/stage-3.yaml"
SERVICE_MANAGE = service_manage("inventory")

INVENTORY_WEB = service_web("inventory")
INVENTORY_GRPC = ProcessSpec(
    name="inventory-grpc",
    argv=(*SERVICE_MANAGE, "grpc_server", "--port", "{port}"),
    ready="tcp",
    port_name="inventory-grpc",
    service="inventory",
    upstream="inventory-grpc",
)
# --beat: the sweeper releasing expired and never-confirmed holds
INVENTORY_WORKER = service_worker(
    "inventory", "--beat", "--schedule", "{var}/inventory-celerybeat-schedule"
)
INVENTORY_RELAY = service_relay("inventory")
MONOLITH_EVENTS = ProcessSpec(
    name="monolith-events",
    # the monolith's consumer: a Celery app of its own on its queue alone (monolith.events)
    argv=celery_worker("monolith.shop.consumer", "monolith-events"),
    ready="log",
    ready_text=" ready.",
    service="monolith",
)


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    # the monolith's gRPC server leaves: the translation now reaches the service's
    kept = tuple(p for p in previous.processes if p.name != "monolith-grpc")
    served = (*kept, INVENTORY_WEB, INVENTORY_GRPC)
    return previous.extend(
        number=3,
        tag="stage-3-inventory",
        title="Inventory extracted: reserve over HTTP, commit and release by events",
        setup=(
            *service_setup("inventory"),
            # the monolith's queue too, before either relay publishes anything
            (*MANAGE, "events_declare"),
            # the monolith's stock handed over (copied and verified) before the service serves
            (*SERVICE_MANAGE, "take_over_stock"),
        ),
        add=(INVENTORY_WEB, INVENTORY_GRPC, INVENTORY_WORKER, INVENTORY_RELAY, MONOLITH_EVENTS),
        remove=("monolith-grpc",),
        replace_processes=(gateway_for(served, ROUTES),),
        routes=ROUTES,
        settings={
            "ORDERS_INVENTORY_ADAPTER": "monolith.orders.http_inventory.HttpInventory",
            "INVENTORY_SERVICE_URL": "http://127.0.0.1:{port:inventory}",
            "INVENTORY_TIMEOUT": "2.0",
        },
        subscriptions=(
            Subscription("order.created", "inventory", queue="inventory.events"),
            Subscription("order.paid", "inventory", queue="inventory.events"),
            Subscription("order.cancelled", "inventory", queue="inventory.events"),
            Subscription("stock.commit_failed", "monolith", queue="monolith.events"),
            Subscription("order.created", "monolith", queue="monolith.events"),
        ),
        introduces=(
            # the service
            "extracted/inventory/",
            "docs/api/inventory-v1.yaml",
            "strangler/contracts/events/stock.commit_failed.v1.json",
            # the monolith's side: the HTTP client, the adapter, its contract with the service
            "strangler/http/",
            "monolith/orders/http_inventory.py",
            "monolith/orders/tests/test_http_inventory.py",
            "monolith/orders/tests/test_pact_inventory.py",
            "monolith/orders/tests/test_compensation.py",
            # the monolith's consumer of monolith.events and its handler tables
            "monolith/shop/consumer.py",
            "monolith/shop/handlers.py",
            "monolith/shop/management/commands/events_declare.py",
            "monolith/shop/tests/test_consumer.py",
            "monolith/shop/tests/test_consumer_worker.py",
            "monolith/orders/handlers.py",
            "monolith/orders/tests/test_handlers.py",
            "monolith/catalog/handlers.py",
            "monolith/catalog/tests/test_handlers.py",
            "monolith/schemas/",
            "strangler/contracts/pacts/monolith-orders-inventory.json",
            # the stage's run, its page, its end-to-end tests
            "gateway/routes/stage-3.yaml",
            "docs/stages/3-inventory.md",
            "docs/prometheus/stage-3.yml",
            "deploy/k8s/stage-3.yaml",
            "tests/e2e/test_inventory_runbook.py",
            # the fault rig's inventory worker killed mid-batch: the service's own worker
            "tests/faults/test_inventory_worker_killed.py",
            "tests/e2e/test_order_created_fanout.py",
            "tests/e2e/test_stock_compensation.py",
            "tests/e2e/test_inventory_down.py",
            "tests/e2e/shoppers.py",
            "tests/architecture/test_demo_data.py",
            # the first start's hand-over (backfill + verify, once)
            "strangler/migrate/handover.py",
            "strangler/migrate/tests/test_handover.py",
            "strangler/service/take_over.py",
            "strangler/migrate/tests/test_take_over_command.py",
        ),
        # the monolith's inventory stays until stage 4: its tables are the rollback's target
        retires=(),
        doc="docs/stages/3-inventory.md",
        changes=(
            "inventory extracted into its own Django project and database (REST, gRPC, admin); "
            "the monolith's stock and reservations handed over with strangler.migrate "
            "(backfill + verify) by the set-up",
            "the checkout reserves over HTTP (HttpInventory: a timeout on every call, retries "
            "only for the idempotent PUT, a circuit breaker shared through Redis); inventory "
            "down -> 503 in the error shape, no order",
            "the service commits on order.paid and releases/restocks on order.cancelled from its "
            "own queue; stock events through its own outbox and relay",
            "a paid order whose stock is gone is compensated (stock.commit_failed -> cancelled, "
            "refunded, e-mailed); order.created fans out to inventory, notifications, catalog",
            "the gateway routes /api/v1/inventory to the service and translates "
            "/api/v1/inventory/{sku} to its gRPC server",
        ),
    )
