"""Reads of fraud's assessments."""

from __future__ import annotations

from extracted.fraud.screening.models import Assessment
from extracted.fraud.screening.rules import Window


def attempts_in_window(*, customer_id: int, window: Window) -> int:
    """The customer's assessments made within ``window`` (approved or declined), in one
    COUNT on the (customer_id, created_at) index."""
    return Assessment.objects.filter(
        customer_id=customer_id, created_at__gt=window.since, created_at__lte=window.until
    ).count()


def assessment_find(*, attempt_key: str) -> Assessment | None:
    return Assessment.objects.filter(attempt_key=attempt_key).first()
