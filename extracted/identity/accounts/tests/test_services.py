"""Credentials created, signed in, refreshed; roles granted and carried by the tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password

from extracted.identity.accounts import services
from extracted.identity.accounts.errors import (
    CredentialExists,
    CredentialNotFound,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    UnknownRole,
)
from extracted.identity.accounts.models import Credential
from extracted.identity.accounts.tests.helpers import PASSWORD, account
from strangler.auth.tokens import decode

pytestmark = pytest.mark.django_db


def test_a_credential_keeps_a_hash_of_the_password_and_the_email_lower_cased() -> None:
    signed_in = services.credential_create(
        customer_id=7, email=" Ada@Example.COM ", password=PASSWORD
    )

    credential = Credential.objects.get()
    assert (credential.customer_id, credential.email) == (7, "ada@example.com")
    assert credential.password != PASSWORD and check_password(PASSWORD, credential.password)
    assert credential.roles == ("customer",)
    assert credential.last_login_at is not None
    claims = decode(signed_in.tokens.access, "access")
    assert (claims["sub"], claims["email"], claims["roles"]) == (
        "7",
        "ada@example.com",
        ["customer"],
    )


def test_an_email_is_taken_whatever_its_case() -> None:
    account()

    with pytest.raises(EmailTaken):
        services.credential_create(customer_id=8, email="ADA@example.com", password=PASSWORD)
    assert Credential.objects.count() == 1


def test_a_customer_has_one_credential() -> None:
    account()

    with pytest.raises(CredentialExists):
        services.credential_create(customer_id=7, email="other@example.com", password=PASSWORD)


def test_sign_in_records_the_login_and_signs_a_pair() -> None:
    account(last_login_at=None)

    signed_in = services.credential_sign_in(email="ADA@example.com", password=PASSWORD)

    assert Credential.objects.get().last_login_at is not None
    assert decode(signed_in.tokens.refresh, "refresh")["sub"] == "7"


@pytest.mark.parametrize(
    ("email", "password", "active"),
    [
        ("nobody@example.com", PASSWORD, True),
        ("ada@example.com", "wrong password", True),
        ("ada@example.com", PASSWORD, False),
    ],
    ids=["unknown e-mail", "wrong password", "inactive"],
)
def test_sign_in_refuses_with_one_error(email: str, password: str, active: bool) -> None:
    account(is_active=active, last_login_at=None)

    with pytest.raises(InvalidCredentials):
        services.credential_sign_in(email=email, password=password)
    assert Credential.objects.get().last_login_at is None


def test_refresh_rotates_the_pair_with_the_roles_of_now() -> None:
    pair = services.credential_sign_in(email=account().email, password=PASSWORD).tokens
    services.role_set(customer_id=7, role="admin", granted=True)

    renewed = services.tokens_refresh(refresh=pair.refresh)

    assert decode(renewed.access, "access")["roles"] == ["customer", "admin"]


@pytest.mark.parametrize("which", ["access token", "garbage", "inactive account", "no account"])
def test_refresh_refuses_what_is_not_a_live_refresh_token(which: str) -> None:
    pair = services.credential_sign_in(email=account().email, password=PASSWORD).tokens
    token = {"access token": pair.access, "garbage": "not.a.jwt"}.get(which, pair.refresh)
    if which == "inactive account":
        Credential.objects.update(is_active=False)
    if which == "no account":
        Credential.objects.all().delete()

    with pytest.raises(InvalidRefreshToken):
        services.tokens_refresh(refresh=token)


def test_admin_is_granted_and_revoked_and_customer_stays() -> None:
    account()

    assert services.role_set(customer_id=7, role="admin", granted=True).roles == (
        "customer",
        "admin",
    )
    assert services.role_set(customer_id=7, role="admin", granted=False).roles == ("customer",)


def test_only_admin_is_granted_and_only_to_an_account() -> None:
    account()

    with pytest.raises(UnknownRole):
        services.role_set(customer_id=7, role="customer", granted=False)
    with pytest.raises(CredentialNotFound):
        services.role_set(customer_id=8, role="admin", granted=True)
