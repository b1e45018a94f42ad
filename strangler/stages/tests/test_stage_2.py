"""Stage 2 in the manifest: notifications extracted, the monolith's events through outboxes.

A stage's own test module arrives with the stage (the manifest adds it to what the stage
introduces), so an earlier stage's tag has none of it.
"""

from __future__ import annotations

from strangler.stages import prometheus
from strangler.stages.manifest import get_stage
from strangler.stages.tests.test_prometheus import scrape_targets


def test_stage_2_extracts_notifications_and_publishes_the_monoliths_events() -> None:
    stage = get_stage(2)
    assert stage.tag == "stage-2-notifications"
    assert stage.routes == "gateway/routes/stage-2.yaml"
    for context in ("ORDERS", "PAYMENTS", "INVENTORY"):
        assert stage.settings_env[f"{context}_EVENTS_ADAPTER"].endswith("OutboxEvents")
    assert {"notifications", "notifications-worker", "outbox-relay"} <= {
        p.name for p in stage.required_processes()
    }
    assert {(s.event_type, s.consumer) for s in stage.subscriptions} == {
        ("order.created", "notifications"),
        ("order.paid", "notifications"),
        ("order.cancelled", "notifications"),
    }
    assert "notifications=127.0.0.1:{port:notifications}" in stage.process("gateway").argv
    assert "extracted/notifications/" in stage.introduces
    # the outbox arrives with the stage that switches it on; the monolith's notifications leave
    assert {"strangler/events/", "monolith/orders/outbox/"} <= set(stage.introduces)
    assert "monolith/notifications/" in stage.retires
    # the queue is bound and the history handed over before anything runs
    steps = [" ".join(step) for step in stage.setup]
    assert steps.index("{python} extracted/notifications/manage.py set_up") < steps.index(
        next(s for s in steps if "backfill_notifications" in s)
    )


def test_replicas_are_targets_of_one_job_and_each_service_has_its_own() -> None:
    stage = get_stage(2)
    ports = {name: 20000 + n for n, name in enumerate(stage.port_names)}
    targets = scrape_targets(prometheus.scrape_config(stage, ports))
    assert targets == {
        "monolith": [f"127.0.0.1:{ports['monolith']}", f"127.0.0.1:{ports['monolith-2']}"],
        "flower": [f"127.0.0.1:{ports['flower']}"],
        "gateway": [f"127.0.0.1:{ports['gateway']}"],
        "notifications": [f"127.0.0.1:{ports['notifications']}"],
    }
