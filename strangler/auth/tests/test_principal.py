"""The DRF principal of a bearer token: its subject, e-mail and roles."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIRequestFactory

from strangler.auth.drf import BearerTokenAuthentication, Principal
from strangler.auth.tokens import issue_pair


def _principal(**claims: Any) -> Principal:
    token = issue_pair("7", email="ada@example.com", **claims).access
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    found = BearerTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    assert found is not None
    return found[0]


def test_the_principal_carries_the_token_s_roles() -> None:
    principal = _principal(roles=["customer", "admin"])

    assert (principal.customer_id, principal.email) == (7, "ada@example.com")
    assert principal.roles == ("customer", "admin")
    assert principal.has_role("admin")


@pytest.mark.parametrize("roles", [None, "admin", [1, "customer"]])
def test_a_token_without_a_list_of_roles_grants_none_beyond_its_strings(roles: Any) -> None:
    claims = {} if roles is None else {"roles": roles}

    principal = _principal(**claims)

    assert not principal.has_role("admin")
    assert principal.roles == (() if not isinstance(roles, list) else ("customer",))
