"""Stage 2: notifications extracted; the monolith publishes its events through outboxes."""

from __future__ import annotations

from strangler.stages.manifest.model import ProcessSpec, Stage, Subscription
from strangler.stages.manifest.services import (
    service_manage,
    service_setup,
    service_web,
    service_worker,
)
from strangler.stages.manifest.stage_0 import MANAGE
from strangler.stages.manifest.stage_1 import gateway_for

ROUTES = "gateway/routes/stage-2.yaml"
SERVICE_MANAGE = service_manage("notifications")

NOTIFICATIONS_WEB = service_web("notifications")
NOTIFICATIONS_WORKER = service_worker("notifications")
OUTBOX_RELAY = ProcessSpec(
    name="outbox-relay",
    argv=(*MANAGE, "outbox_relay"),
    ready="log",
    ready_text="outbox relay ready",
    service="monolith",
)


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    served = (*previous.processes, NOTIFICATIONS_WEB)
    return previous.extend(
        number=2,
        tag="stage-2-notifications",
        title="Notifications extracted: order events through a transactional outbox",
        setup=(
            *service_setup("notifications"),
            # the monolith's history handed over before the service takes the route
            (*SERVICE_MANAGE, "backfill_notifications"),
        ),
        add=(NOTIFICATIONS_WEB, NOTIFICATIONS_WORKER, OUTBOX_RELAY),
        replace_processes=(gateway_for(served, ROUTES),),
        routes=ROUTES,
        settings={
            "ORDERS_EVENTS_ADAPTER": "monolith.orders.outbox.adapters.OutboxEvents",
            "PAYMENTS_EVENTS_ADAPTER": "monolith.payments.outbox.adapters.OutboxEvents",
            "INVENTORY_EVENTS_ADAPTER": "monolith.inventory.outbox.adapters.OutboxEvents",
        },
        subscriptions=(
            Subscription("order.created", "notifications", queue="notifications.events"),
            Subscription("order.paid", "notifications", queue="notifications.events"),
            Subscription("order.cancelled", "notifications", queue="notifications.events"),
        ),
        introduces=(
            # the events library and the monolith's side of it: an outbox per context (its
            # table, the adapter that writes it, the events), the relay; the service skeleton's
            # event consumer and queues, the messaging metrics
            "strangler/events/",
            "monolith/orders/outbox/",
            "monolith/payments/outbox/",
            "monolith/inventory/outbox/",
            "monolith/orders/tests/test_outbox.py",
            "monolith/payments/tests/test_events.py",
            "monolith/inventory/tests/test_events.py",
            "strangler/stages/manifest/services.py",
            "strangler/service/consumer.py",
            "strangler/service/ids.py",
            "strangler/service/monolith_source.py",
            "strangler/service/tests/test_monolith_source.py",
            "strangler/service/queues.py",
            "strangler/service/management/commands/events_declare.py",
            "strangler/service/management/commands/set_up.py",
            "strangler/service/tests/test_set_up.py",
            "strangler/service/tests/test_consumer.py",
            "strangler/service/tests/test_settings.py",
            "strangler/telemetry/messaging.py",
            "strangler/telemetry/tests/test_messaging.py",
            # the extracted service
            "extracted/notifications/",
            "gateway/routes/stage-2.yaml",
            "docs/api/notifications-v1.yaml",
            "docs/stages/2-notifications.md",
            "docs/prometheus/stage-2.yml",
            "tests/faults/",
            "tests/architecture/test_extracted_services_stand_alone.py",
            "tests/e2e/test_going_back_a_stage.py",
            "bench/events.py",
            "bench/noop_celery.py",
            "bench/plain_celery.py",
        ),
        # Decommission, the strangler's last step: the monolith's notifications code leaves
        # the tree once the route went to the service and the history was handed over
        # (docs/stages/2-notifications.md, "What leaves the monolith").
        retires=(
            "monolith/notifications/",
            "monolith/orders/in_process_notifications.py",
            "monolith/orders/tests/test_in_process_notifications.py",
            "tests/api/test_notifications_in_process.py",
            # main's alone: the latest stage and stage 0 on the same data, which only main
            # runs side by side (on the tags one goes back by checking out the earlier tag)
            "tests/e2e/test_going_back_a_stage.py",
        ),
        doc="docs/stages/2-notifications.md",
        changes=(
            "notifications extracted into its own Django project and database; the monolith's "
            "history handed over (backfill); the gateway routes /api/v1/notifications to it",
            "orders writes order.created / order.paid / order.cancelled to its outbox in the "
            "same transaction; the outbox relay publishes them to a topic exchange",
            "payments (payment.approved / .declined / .refunded) and inventory (stock.reserved / "
            ".committed / .released / .restocked) publish through outboxes of their own",
            "the notifications Celery worker consumes them idempotently (ProcessedMessage), "
            "retries with backoff, dead-letters poison messages",
            "the monolith's notifications app and its in-process adapter are retired "
            "(decommissioned): the route and the history moved to the service",
        ),
    )
