from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from rest_framework.test import APIClient

from monolith.customers.models import Address, Customer
from monolith.customers.tests.helpers import PASSWORD, address_payload, client_for

MakeCustomer = Callable[..., Customer]
MakeAddress = Callable[..., Address]


@pytest.fixture(autouse=True)
def credentials_in_process(in_process_credentials: None) -> None:
    """Customers' tests keep the password on the row (the root conftest's fixture);
    test_http_identity.py puts the HTTP adapter in place itself."""


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_customer(db: None) -> MakeCustomer:
    numbers = count(1)

    def make(
        *,
        email: str | None = None,
        password: str = PASSWORD,
        full_name: str = "Ana Putri",
        is_active: bool = True,
    ) -> Customer:
        return Customer.objects.create(
            email=email or f"customer{next(numbers)}@example.com",
            full_name=full_name,
            password=make_password(password),
            is_active=is_active,
        )

    return make


@pytest.fixture
def customer(make_customer: MakeCustomer) -> Customer:
    return make_customer(email="ana@example.com")


@pytest.fixture
def other_customer(make_customer: MakeCustomer) -> Customer:
    return make_customer(email="budi@example.com", full_name="Budi Santoso")


@pytest.fixture
def make_address(db: None) -> MakeAddress:
    """Rows straight into the table (no service), to set up a scene."""

    def make(customer: Customer, *, is_default: bool = False, **overrides: Any) -> Address:
        return Address.objects.create(
            customer=customer, is_default=is_default, **address_payload(**overrides)
        )

    return make


@pytest.fixture
def auth_client(customer: Customer) -> APIClient:
    return client_for(customer)
