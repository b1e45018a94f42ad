"""Stage 4: fraud extracted; payments asks it over HTTP, behind a circuit breaker.

The first half of stage 4's split of payments: the fraud rules, a leaf with no dependencies of
its own, leave first. The monolith's payments keeps charging and refunding, and asks the fraud
service about every attempt (``HttpFraud``: a timeout on every call, the attempt's reference as
the Idempotency-Key so a retried POST is never a second attempt, a circuit breaker shared by
the monolith's processes through Redis). Fraud owns the rules, their limits and the record of
every assessment, from which it counts a customer's attempts; it subscribes to nothing and
publishes nothing, and the gateway routes nothing to it.

The monolith's rules stay (``InProcessFraud``): going back a stage uses them again.
"""

from __future__ import annotations

from dataclasses import replace

from strangler.stages.manifest.model import Stage
from strangler.stages.manifest.services import service_setup, service_web

# no upstream: the gateway never routes to fraud, only payments calls it
FRAUD_WEB = replace(service_web("fraud"), upstream="")


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    return previous.extend(
        number=4,
        tag="stage-4-payments",
        title="Fraud extracted: payments asks it over HTTP, behind a circuit breaker",
        setup=service_setup("fraud"),
        add=(FRAUD_WEB,),
        settings={
            "PAYMENTS_FRAUD_ADAPTER": "monolith.payments.http_fraud.HttpFraud",
            "FRAUD_SERVICE_URL": "http://127.0.0.1:{port:fraud}",
            "FRAUD_TIMEOUT": "2.0",
        },
        introduces=(
            "extracted/fraud/",
            "docs/api/fraud-v1.yaml",
            "monolith/payments/http_fraud.py",
            "monolith/payments/tests/test_http_fraud.py",
            "monolith/payments/tests/test_pact_fraud.py",
            "strangler/contracts/pacts/monolith-payments-fraud.json",
            "docs/stages/4-payments.md",
            "docs/prometheus/stage-4.yml",
            "deploy/k8s/stage-4.yaml",
            "tests/e2e/test_fraud_down.py",
        ),
        doc="docs/stages/4-payments.md",
        changes=(
            "fraud extracted into its own Django project and database: the rules, their limits "
            "and a record of every assessment (admin, OpenAPI), counting a customer's attempts "
            "from its own records",
            "payments asks it about every charge over HTTP (HttpFraud: a timeout on every "
            "call, the attempt's reference as Idempotency-Key so the POST is retried safely, "
            "a circuit breaker shared through Redis); fraud down -> 503, nothing charged, "
            "no order",
        ),
    )
