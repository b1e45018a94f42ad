"""Stage 0: the monolith alone, one Django project and one database."""

from __future__ import annotations

from strangler.stages.manifest.commands import celery_worker, gunicorn
from strangler.stages.manifest.model import ProcessSpec, Stage

MANAGE = ("{python}", "manage.py")

MONOLITH_WEB = ProcessSpec(
    name="monolith",
    argv=gunicorn("monolith.shop.wsgi:application", workers=2),
    ready="http",
    port_name="monolith",
    metrics_path="/metrics",
    urls=(
        ("monolith admin (admin / admin)", "/admin/"),
        ("monolith API docs", "/api/docs/"),
        ("monolith OpenAPI", "/api/schema/"),
        ("monolith readiness", "/health/ready"),
        ("monolith metrics (Prometheus)", "/metrics"),
    ),
)
MONOLITH_WORKER = ProcessSpec(
    name="monolith-worker",
    argv=celery_worker(
        "monolith.shop", "monolith", "--beat", "--schedule", "{var}/celerybeat-schedule"
    ),
    ready="log",
    ready_text=" ready.",
    service="monolith",
)
FLOWER = ProcessSpec(
    name="flower",
    argv=(
        "{python}",
        "-m",
        "celery",
        "-A",
        "monolith.shop",
        "flower",
        "--address=127.0.0.1",
        "--port={port}",
        "--db={var}/flower.db",
        "--persistent=False",
    ),
    ready="http",
    port_name="flower",
    ready_path="/healthcheck",
    live_path="/healthcheck",
    metrics_path="/metrics",  # the Celery workers' tasks, as Flower sees them
    optional=True,
    settings_of="monolith",  # the monolith's Celery app, so its Django settings
    urls=(("Flower (Celery monitoring)", "/"),),
)


def build(previous: Stage | None) -> Stage:
    assert previous is None, "stage 0 is the first stage"
    return Stage(
        number=0,
        tag="stage-0-monolith",
        title="The monolith: one Django project, one database, six bounded contexts",
        setup=(
            (*MANAGE, "migrate", "--noinput"),
            (*MANAGE, "collectstatic", "--noinput", "--verbosity", "0"),
            (*MANAGE, "seed_demo"),
        ),
        processes=(MONOLITH_WEB, MONOLITH_WORKER, FLOWER),
        entrypoint="monolith",
        settings=(
            ("ORDERS_INVENTORY_ADAPTER", "monolith.orders.in_process_inventory.InProcessInventory"),
            ("ORDERS_PAYMENTS_ADAPTER", "monolith.orders.in_process_payments.InProcessPayments"),
            ("PAYMENTS_FRAUD_ADAPTER", "monolith.payments.adapters.InProcessFraud"),
            ("CUSTOMERS_CREDENTIALS_ADAPTER", "monolith.customers.adapters.InProcessCredentials"),
            # who hears about orders, payments and stock: notifications in process, else nobody
            (
                "ORDERS_EVENTS_ADAPTER",
                "monolith.orders.in_process_notifications.InProcessNotifications",
            ),
            ("PAYMENTS_EVENTS_ADAPTER", "monolith.payments.adapters.NoEvents"),
            ("INVENTORY_EVENTS_ADAPTER", "monolith.inventory.adapters.NoEvents"),
        ),
        doc="docs/stages/0-monolith.md",
        changes=(
            "the shop: catalog, customers, cart and orders, inventory, payments with a fraud "
            "check, notifications; one database; Celery for e-mail",
        ),
    )
