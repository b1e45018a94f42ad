"""The customer journey against real processes: gunicorn + a Celery worker, over HTTP only."""

from __future__ import annotations

from pathlib import Path

import requests

from strangler.stages.journey import Journey
from strangler.stages.launcher import RunningStage


def test_customer_journey_end_to_end(stage0: RunningStage, e2e_env: dict[str, str]) -> None:
    report = Journey(stage0.base_url).run()

    facts = report.facts
    assert facts["order_status"] == "paid"
    assert facts["replayed_order_id"] == facts["order_id"]
    assert facts["payments"] == 1
    assert facts["stock_before"] - facts["stock_after"] == 2
    assert facts["email_status"] == "sent"
    mails = list(Path(e2e_env["EMAIL_FILE_PATH"]).glob("*.log"))
    assert any(f"order #{facts['order_id']}" in m.read_text() for m in mails), (
        f"no e-mail file mentions order {facts['order_id']} in {e2e_env['EMAIL_FILE_PATH']}"
    )


def test_the_processes_answer_their_probes_and_serve_the_docs(stage0: RunningStage) -> None:
    base = stage0.base_url
    assert requests.get(f"{base}/health/live", timeout=5).status_code == 200
    ready = requests.get(f"{base}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    schema = requests.get(f"{base}/api/schema/", timeout=10)
    assert schema.status_code == 200
    assert "/api/v1/checkout" in schema.text
    docs = requests.get(f"{base}/api/docs/", timeout=5)
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower(), "Swagger UI must be served locally, not from a CDN"
    admin = requests.get(f"{base}/admin/login/", timeout=5)
    assert admin.status_code == 200
    css = requests.get(f"{base}/static/admin/css/base.css", timeout=5)
    assert css.status_code == 200, "the admin's static files are not served"


def test_the_worker_process_is_still_running(stage0: RunningStage) -> None:
    stage0.group.check_alive()
