"""Settings of the fraud service.

What is its own: the screening app and its assessments, the idempotency keys of the calls it
answers, and the limits of the fraud rules (the monolith's settings and defaults). It consumes
no events and publishes none. The rest, its database (``FRAUD_DATABASE_URL``) included, is the
common block of ``strangler.service``.
"""

from __future__ import annotations

from datetime import timedelta

from strangler.config import env
from strangler.service.settings import service_settings

SERVICE_NAME = "fraud"

globals().update(
    service_settings(
        SERVICE_NAME,
        apps=["extracted.fraud.screening", "strangler.idempotency"],
        description=(
            "Fraud screening of payment attempts: each attempt assessed once (keyed by its "
            "reference), approved or declined with the reasons."
        ),
    )
)

# --- the fraud rules (extracted.fraud.screening.rules)
FRAUD_MAX_AMOUNT = env.str("FRAUD_MAX_AMOUNT", default="5000.00")
FRAUD_MAX_ATTEMPTS = env.int("FRAUD_MAX_ATTEMPTS", default=5)
FRAUD_WINDOW = timedelta(seconds=env.int("FRAUD_WINDOW_SECONDS", default=600))
