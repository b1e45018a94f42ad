"""The service's own Prometheus figures, served at ``/metrics`` with django-prometheus'."""

from __future__ import annotations

from prometheus_client import Counter

# Registered once, when this module is first imported; every outcome is exported from 0.
SIGN_INS = Counter("identity_sign_ins", "Sign-in attempts, by outcome.", ["outcome"])
for _outcome in ("success", "refused"):
    SIGN_INS.labels(outcome=_outcome)
CREDENTIALS_CREATED = Counter("identity_credentials_created", "Credentials created.")
CREDENTIALS_DISCARDED = Counter(
    "identity_credentials_discarded",
    "Credentials removed because the monolith rolled their registration back.",
)


def signed_in(*, success: bool) -> None:
    SIGN_INS.labels(outcome="success" if success else "refused").inc()


def credential_created() -> None:
    CREDENTIALS_CREATED.inc()


def credential_discarded() -> None:
    CREDENTIALS_DISCARDED.inc()
