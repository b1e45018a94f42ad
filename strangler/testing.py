"""Test helpers for every service's suites."""

from __future__ import annotations

from rest_framework.test import APIClient

from strangler.auth.tokens import issue_pair


def client_for(customer_id: int) -> APIClient:
    """An API client holding a valid access token for ``customer_id``; no identity DB needed."""
    client = APIClient()
    token = issue_pair(str(customer_id), email=f"c{customer_id}@example.com").access
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    return client
