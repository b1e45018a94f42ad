"""Stage 6: a new analytics service subscribes to the order events; nothing else changes.

It is built on whichever stage comes before it (stage 5 today): its own processes, its own
setup steps and its subscriptions are added, the gateway gets the analytics route, every
other process and setting stays as that stage has it.
"""

from __future__ import annotations

from strangler.stages.manifest.model import Stage, Subscription
from strangler.stages.manifest.services import service_setup, service_web, service_worker
from strangler.stages.manifest.stage_1 import gateway_for

ROUTES = "gateway/routes/stage-6.yaml"

ANALYTICS_WEB = service_web("analytics")
ANALYTICS_WORKER = service_worker("analytics")


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    served = (*previous.processes, ANALYTICS_WEB)
    return previous.extend(
        number=6,
        tag="stage-6-analytics",
        title="Analytics: a new service subscribes to the order events, nothing else changes",
        setup=service_setup("analytics"),
        add=(ANALYTICS_WEB, ANALYTICS_WORKER),
        replace_processes=(gateway_for(served, ROUTES),),
        routes=ROUTES,
        subscriptions=(
            Subscription("order.created", "analytics", queue="analytics.events"),
            Subscription("order.paid", "analytics", queue="analytics.events"),
            Subscription("order.cancelled", "analytics", queue="analytics.events"),
        ),
        introduces=(
            "extracted/analytics/",
            "gateway/routes/stage-6.yaml",
            "docs/api/analytics-v1.yaml",
            "docs/stages/6-analytics.md",
            "docs/prometheus/stage-6.yml",
            "tests/architecture/test_stage_6_change.py",
            "tests/e2e/test_analytics.py",
        ),
        doc="docs/stages/6-analytics.md",
        changes=(
            "analytics: a new Django project with its own database keeps sales per day, per "
            "product and in total from order.paid and order.cancelled (was_paid)",
            "its worker binds its own durable queue (analytics.events) to the events exchange: "
            "the producers, the relay and the other consumers are unchanged",
            "the gateway routes /api/v1/analytics to it",
        ),
    )
