"""Hostile request bodies are refused with a 4xx in the error shape, never a crash."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from strangler.auth.tokens import issue_pair

HOSTILE_BODIES = {
    "over the size limit": (b'{"sku": "' + b"x" * (3 * 1024 * 1024) + b'"}', "application/json"),
    "not UTF-8": (b'{"sku": "\xff\xfe", "quantity": 1}', "application/json"),
    "nested 5000 deep": (b"[" * 5000 + b"]" * 5000, "application/json"),
    "infinite number": (b'{"sku": "A", "quantity": 1e999}', "application/json"),
    "NUL in a string": (b'{"sku": "A\\u0000B", "quantity": 1}', "application/json"),
    "huge integer": (b'{"sku": "A", "quantity": 99999999999999999999999}', "application/json"),
    "a form, not JSON": (b"sku=A&quantity=1", "application/x-www-form-urlencoded"),
    "JSON null": (b"null", "application/json"),
    "a bare string": (b'"cart"', "application/json"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE_BODIES)
@pytest.mark.parametrize("path", ["/api/v1/cart/items", "/api/v1/checkout", "/api/v1/payments"])
def test_hostile_body_is_a_4xx_in_the_error_shape(name: str, path: str) -> None:
    body, content_type = HOSTILE_BODIES[name]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + issue_pair("1", email="a@example.com").access)

    response = client.generic("POST", path, body, content_type=content_type)  # type: ignore[arg-type]

    assert 400 <= response.status_code < 500, (name, response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    assert "code" in response.json()["error"]
