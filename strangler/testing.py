"""Test helpers for every service's suites."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from rest_framework.test import APIClient

from strangler.auth.tokens import issue_pair

T = TypeVar("T")


def client_for(customer_id: int) -> APIClient:
    """An API client holding a valid access token for ``customer_id``; no identity DB needed."""
    client = APIClient()
    token = issue_pair(str(customer_id), email=f"c{customer_id}@example.com").access
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    return client


def eventually(
    check: Callable[[], T], what: str, *, deadline: float = 15.0, poll: float = 0.05
) -> T:
    """Poll ``check`` until it returns something truthy and return that; after ``deadline``
    seconds fail with an AssertionError naming ``what``. Tests wait this way, never by sleeping
    a fixed time."""
    end = time.monotonic() + deadline
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline:.0f}s: {what}")
        time.sleep(poll)
