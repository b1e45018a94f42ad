"""The service's own Prometheus figures, served at ``/metrics`` with django-prometheus'."""

from __future__ import annotations

from prometheus_client import Counter

from extracted.fraud.screening.models import Assessment

# Registered once, when this module is first imported; every decision is exported from 0.
ASSESSMENTS = Counter(
    "fraud_assessments", "Payment attempts assessed (replays excluded), by decision.", ["decision"]
)
for _decision in Assessment.Decision.values:
    ASSESSMENTS.labels(decision=_decision)


def assessed(decision: str) -> None:
    ASSESSMENTS.labels(decision=decision).inc()
