from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from extracted.identity.accounts.models import Credential
from extracted.identity.accounts.services import credential_create

CREDENTIALS = "/internal/v1/credentials"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
JWKS = "/api/v1/auth/jwks.json"
PASSWORD = "correct horse battery"


def body(**changes: Any) -> dict[str, Any]:
    """What the monolith sends for customer 7 at registration."""
    return {"customer_id": 7, "email": "ada@example.com", "password": PASSWORD, **changes}


def post(client: APIClient, url: str, data: Any, key: str | None = None) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(url, data, format="json", headers=headers)


def account(customer_id: int = 7, email: str = "ada@example.com", **fields: Any) -> Credential:
    credential_create(customer_id=customer_id, email=email, password=PASSWORD)
    if fields:
        Credential.objects.filter(pk=customer_id).update(**fields)
    return Credential.objects.get(pk=customer_id)
