"""Reads of identity's accounts."""

from __future__ import annotations

from extracted.identity.accounts.errors import CredentialNotFound
from extracted.identity.accounts.models import Credential


def normalize_email(email: str) -> str:
    """E-mail addresses are compared and stored case-insensitively, as lower case."""
    return email.strip().lower()


def credential_find_by_email(*, email: str) -> Credential | None:
    return Credential.objects.filter(email=normalize_email(email)).first()


def credential_get(*, customer_id: int) -> Credential:
    """Raises :class:`CredentialNotFound`."""
    credential = Credential.objects.filter(customer_id=customer_id).first()
    if credential is None:
        raise CredentialNotFound("No credential for this customer.", customer_id=customer_id)
    return credential


def credential_get_active(*, customer_id: int) -> Credential | None:
    return Credential.objects.filter(customer_id=customer_id, is_active=True).first()
