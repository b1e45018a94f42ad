"""Writes of the customers context (``<entity>_<action>``, keyword-only, atomic)."""

from monolith.customers.services.accounts import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    SignedIn,
    customer_authenticate,
    customer_register,
    customer_set_password,
    customer_sign_in,
    customer_update,
    customers_deactivate,
    demo_customer_seed,
    password_check_strength,
    tokens_issue,
    tokens_refresh,
)
from monolith.customers.services.addresses import address_create, address_delete, address_update
from monolith.customers.services.credentials import credential_discard, credential_discard_soon

__all__ = [
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "SignedIn",
    "address_create",
    "address_delete",
    "address_update",
    "credential_discard",
    "credential_discard_soon",
    "customer_authenticate",
    "customer_register",
    "customer_set_password",
    "customer_sign_in",
    "customer_update",
    "customers_deactivate",
    "demo_customer_seed",
    "password_check_strength",
    "tokens_issue",
    "tokens_refresh",
]
