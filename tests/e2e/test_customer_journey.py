"""The black-box suite: the customer journey against every stage, over HTTP only.

The ``stage`` fixture runs each test once per stage (monolith direct at stage 0, through the
gateway from stage 1), so a failure names the stage in the test id and the request in its
message.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests

from strangler.stages.journey import Journey
from tests.e2e.conftest import StartedStage


def test_customer_journey_end_to_end(stage: StartedStage) -> None:
    report = Journey(stage.base_url).run()

    facts = report.facts
    assert facts["order_status"] == "paid"
    assert facts["replayed_order_id"] == facts["order_id"]
    assert facts["payments"] == 1
    assert facts["stock_before"] - facts["stock_after"] == 2
    assert facts["email_status"] == "sent"
    assert facts["emails"] == {
        "order_received": f"We have received your order #{facts['order_id']}",
        "order_paid": f"Your order #{facts['order_id']} is confirmed",
    }
    mail_folder = stage.env["EMAIL_FILE_PATH"]
    mails = [m.read_text() for m in Path(mail_folder).glob("*.log")]
    for subject in facts["emails"].values():
        assert any(subject in text for text in mails), (
            f"stage {stage.stage.number}: no e-mail file has the subject {subject!r} "
            f"in {mail_folder}"
        )


def test_the_entrypoint_answers_its_probes_and_serves_the_docs(stage: StartedStage) -> None:
    base = stage.base_url
    assert requests.get(f"{base}/health/live", timeout=5).status_code == 200
    ready = requests.get(f"{base}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    schema = requests.get(f"{base}/api/schema/", timeout=10)
    assert schema.status_code == 200
    assert "/api/v1/checkout" in schema.text
    docs = requests.get(f"{base}/api/docs/", timeout=5)
    assert docs.status_code == 200
    # served locally, not from a CDN: every script and stylesheet the page loads is our own
    # (a word such as "cdn" may appear by chance in the page's random CSP nonce)
    loaded = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", docs.text)
    assert loaded, docs.text[:500]
    foreign = [url for url in loaded if url.startswith(("http:", "https:", "//"))]
    assert not foreign, f"Swagger UI must be served locally, not from {foreign}"
    admin = requests.get(f"{base}/admin/login/", timeout=5)
    assert admin.status_code == 200
    css = requests.get(f"{base}/static/admin/css/base.css", timeout=5)
    assert css.status_code == 200, "the admin's static files are not served"


def test_every_process_of_the_stage_is_still_running(stage: StartedStage) -> None:
    stage.running.group.check_alive()
