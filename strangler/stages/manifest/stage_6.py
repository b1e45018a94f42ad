"""Stage 6: a new analytics service subscribes to the order events; nothing else changes.

It is built on whichever stage comes before it (stage 3 today; stage 5 once stages 4 and 5
exist): its own processes, its own setup steps and its subscriptions are added, the gateway
gets the analytics route, every other process and setting stays as that stage has it.
"""

from __future__ import annotations

from strangler.stages.manifest.commands import celery_worker, gunicorn
from strangler.stages.manifest.model import ProcessSpec, Stage, Subscription
from strangler.stages.manifest.stage_1 import gateway_for

ROUTES = "gateway/routes/stage-6.yaml"
SERVICE_MANAGE = ("{python}", "extracted/analytics/manage.py")

ANALYTICS_WEB = ProcessSpec(
    name="analytics",
    argv=gunicorn("extracted.analytics.service.wsgi:application", workers=1),
    ready="http",
    port_name="analytics",
    upstream="analytics",
    metrics_path="/metrics",
    urls=(
        ("analytics admin (admin / admin)", "/admin/"),
        ("analytics API docs", "/api/docs/"),
        ("analytics readiness", "/health/ready"),
        ("analytics metrics (Prometheus)", "/metrics"),
    ),
)
ANALYTICS_WORKER = ProcessSpec(
    name="analytics-worker",
    argv=celery_worker("extracted.analytics.service", "analytics"),
    ready="log",
    ready_text=" ready.",
    service="analytics",
)


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    served = (*previous.processes, ANALYTICS_WEB)
    return previous.extend(
        number=6,
        tag="stage-6-analytics",
        title="Analytics: a new service subscribes to the order events, nothing else changes",
        setup=(
            (*SERVICE_MANAGE, "ensure_database"),
            (*SERVICE_MANAGE, "migrate", "--noinput"),
            (*SERVICE_MANAGE, "collectstatic", "--noinput", "--verbosity", "0"),
            (*SERVICE_MANAGE, "seed_admin"),
            # its queue is bound before the first event it should count is published
            (*SERVICE_MANAGE, "events_declare"),
        ),
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
