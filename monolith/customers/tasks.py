"""Celery entry points of the customers context (thin: they call a service)."""

from __future__ import annotations

from celery import shared_task

from monolith.customers.services import credential_discard
from strangler.errors import ServiceUnavailable


# A registration rolled back after the credentials port may have kept the credential, the port
# not answering the discard: asked again, the pauses doubling from 5 s to 10 minutes (about 3
# hours in all); removing twice removes nothing more. A refusal is not retried: it fails and is
# logged.
@shared_task(
    name="customers.discard_credential",
    autoretry_for=(ServiceUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=24,
)
def discard_credential(customer_id: int, email: str) -> bool:
    """Ask again to remove the credential of a registration that was rolled back."""
    return credential_discard(customer_id=customer_id, email=email)
