from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction

from monolith.customers import selectors, services
from monolith.customers.errors import (
    AddressNotFound,
    CustomerNotFound,
    DefaultAddressRequired,
    EmailTaken,
    InvalidCredentials,
    InvalidInput,
    InvalidRefreshToken,
)
from monolith.customers.models import Address, Customer
from monolith.customers.ports import NewAccount
from monolith.customers.tests.conftest import MakeAddress, MakeCustomer
from monolith.customers.tests.helpers import PASSWORD, address_payload
from monolith.customers.wiring import CREDENTIALS
from strangler.auth.tokens import TokenPair, decode, issue_pair
from strangler.composition import root
from strangler.errors import ServiceUnavailable

pytestmark = pytest.mark.django_db


# --- registration and sign-in ------------------------------------------------------------------


def test_register_hashes_the_password_and_normalises_the_email() -> None:
    signed_in = services.customer_register(
        email=" Siti@Example.com", password=PASSWORD, full_name=" Siti Rahma "
    )

    customer = Customer.objects.get()
    assert customer == signed_in.customer
    assert (customer.email, customer.full_name) == ("siti@example.com", "Siti Rahma")
    assert customer.password.startswith("md5$")  # the test settings' hasher
    assert check_password(PASSWORD, customer.password)
    assert decode(signed_in.tokens.access, "access")["sub"] == str(customer.id)


def test_register_refuses_a_taken_email_in_another_case(make_customer: MakeCustomer) -> None:
    make_customer(email="siti@example.com")

    with pytest.raises(EmailTaken):
        services.customer_register(email="SITI@example.com", password=PASSWORD, full_name="S")

    assert Customer.objects.count() == 1


def test_register_turns_a_lost_race_into_email_taken() -> None:
    """The existence check passed but a concurrent registration committed first."""
    with mock.patch.object(selectors, "email_is_taken", return_value=False):
        services.customer_register(email="siti@example.com", password=PASSWORD, full_name="S")
        with pytest.raises(EmailTaken):
            services.customer_register(email="Siti@example.com", password=PASSWORD, full_name="S")

    assert Customer.objects.count() == 1


class KeptThenFailed:
    """A credentials port that keeps the credential, then fails as a lost answer does."""

    def kept_here(self) -> bool:
        return False

    def __init__(self) -> None:
        self.kept: list[NewAccount] = []
        self.discarded: list[NewAccount] = []

    def create(self, account: NewAccount) -> TokenPair:
        self.kept.append(account)
        raise ServiceUnavailable("The identity service did not answer in time.", service="x")

    def discard(self, account: NewAccount) -> bool:
        self.discarded.append(account)
        return True


def test_register_discards_a_credential_kept_for_a_customer_it_rolled_back() -> None:
    port = KeptThenFailed()
    with root.replaced(CREDENTIALS, port), pytest.raises(ServiceUnavailable):
        services.customer_register(email="Siti@example.com", password=PASSWORD, full_name="S")

    assert not Customer.objects.exists()
    [kept] = port.kept
    assert [(a.customer_id, a.email) for a in port.discarded] == [(kept.customer_id, kept.email)]


def test_a_discard_for_a_customer_who_exists_by_now_asks_nothing(
    make_customer: MakeCustomer,
) -> None:
    """SQLite gives a rolled-back id out again: a customer of that id and e-mail who registered
    since owns the credential, and a late discard must not take it."""
    customer = make_customer(email="siti@example.com")
    port = KeptThenFailed()
    with root.replaced(CREDENTIALS, port):
        assert not services.credential_discard(customer_id=customer.id, email=customer.email)
        assert services.credential_discard(customer_id=customer.id, email="other@example.com")

    assert [a.email for a in port.discarded] == ["other@example.com"]


def test_register_refuses_a_blank_name() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        services.customer_register(email="siti@example.com", password=PASSWORD, full_name="  ")

    assert "full_name" in excinfo.value.details
    assert Customer.objects.count() == 0


def test_password_validators_can_be_configured(settings: Any) -> None:
    settings.CUSTOMERS_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 30},
        }
    ]

    with pytest.raises(InvalidInput) as excinfo:
        services.customer_register(email="siti@example.com", password=PASSWORD, full_name="S")

    assert excinfo.value.details["password"]


def test_authenticate_returns_the_customer_for_good_credentials(customer: Customer) -> None:
    assert services.customer_authenticate(email="ANA@example.com", password=PASSWORD) == customer


def test_authenticate_hashes_once_even_for_an_unknown_email(customer: Customer) -> None:
    """An unknown e-mail costs the same password hash as a known one (no timing oracle)."""
    with mock.patch.object(services.accounts, "make_password", wraps=make_password) as hashing:
        assert services.customer_authenticate(email="nobody@example.com", password="x") is None

    hashing.assert_called_once_with("x")


def test_authenticate_hashes_for_a_customer_without_a_usable_password(
    make_customer: MakeCustomer,
) -> None:
    customer = make_customer(email="nopass@example.com")
    Customer.objects.filter(id=customer.id).update(password=make_password(None))

    with mock.patch.object(services.accounts, "make_password", wraps=make_password) as hashing:
        assert services.customer_authenticate(email="nopass@example.com", password="x") is None

    hashing.assert_called_once()


def test_authenticate_refuses_an_inactive_customer(make_customer: MakeCustomer) -> None:
    make_customer(email="gone@example.com", is_active=False)

    assert services.customer_authenticate(email="gone@example.com", password=PASSWORD) is None


def test_authenticate_upgrades_an_outdated_hash(customer: Customer, settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "monolith.customers.tests.helpers.FastPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert services.customer_authenticate(email="ana@example.com", password=PASSWORD)

    customer.refresh_from_db()
    assert customer.password.startswith("pbkdf2_sha256$1$")
    assert check_password(PASSWORD, customer.password)


def test_sign_in_records_the_login_and_refuses_bad_credentials(customer: Customer) -> None:
    signed_in = services.customer_sign_in(email="ana@example.com", password=PASSWORD)

    assert signed_in.customer.last_login_at is not None
    with pytest.raises(InvalidCredentials):
        services.customer_sign_in(email="ana@example.com", password="nope-nope-nope")


def test_refresh_issues_a_new_pair_for_an_active_customer(customer: Customer) -> None:
    pair = services.tokens_refresh(refresh=issue_pair(str(customer.id)).refresh)

    assert decode(pair.access, "access")["email"] == "ana@example.com"
    assert decode(pair.refresh, "refresh")["sub"] == str(customer.id)


def test_refresh_refuses_access_tokens_and_unknown_customers(customer: Customer) -> None:
    with pytest.raises(InvalidRefreshToken):
        services.tokens_refresh(refresh=issue_pair(str(customer.id)).access)
    with pytest.raises(InvalidRefreshToken):
        services.tokens_refresh(refresh=issue_pair("987654").refresh)


# --- profile and accounts ----------------------------------------------------------------------


def test_update_changes_given_fields_only(customer: Customer) -> None:
    services.customer_update(customer_id=customer.id, phone="0812345678")
    services.customer_update(customer_id=customer.id, full_name="Ana W")

    customer.refresh_from_db()
    assert (customer.full_name, customer.phone) == ("Ana W", "0812345678")


def test_update_of_an_unknown_customer_raises() -> None:
    with pytest.raises(CustomerNotFound):
        services.customer_update(customer_id=123456, full_name="X")


def test_set_password_validates_and_hashes(customer: Customer) -> None:
    with pytest.raises(InvalidInput):
        services.customer_set_password(customer_id=customer.id, password="short")

    services.customer_set_password(customer_id=customer.id, password="a-brand-new-secret-7")

    customer.refresh_from_db()
    assert check_password("a-brand-new-secret-7", customer.password)


def test_deactivate_counts_only_active_customers(make_customer: MakeCustomer) -> None:
    active = make_customer()
    inactive = make_customer(is_active=False)

    assert services.customers_deactivate(customer_ids=[active.id, inactive.id]) == 1
    assert not Customer.objects.filter(is_active=True).exists()


def test_the_email_is_unique_case_insensitively_in_the_database(customer: Customer) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(email="ANA@example.com", full_name="Dup", password="x")


def test_demo_seed_is_idempotent() -> None:
    first = services.demo_customer_seed()
    second = services.demo_customer_seed()

    assert first.id == second.id
    assert Customer.objects.count() == 1
    address = Address.objects.get()
    assert (address.city, address.country, address.is_default) == ("Jakarta", "ID", True)
    assert services.customer_authenticate(email="demo@example.com", password="demo-password-1")


def test_demo_seed_restores_the_demo_login() -> None:
    customer = services.demo_customer_seed()
    Customer.objects.filter(id=customer.id).update(is_active=False, password=make_password("x"))

    services.demo_customer_seed()

    assert services.customer_authenticate(email="demo@example.com", password="demo-password-1")
    assert Address.objects.count() == 1


# --- addresses ---------------------------------------------------------------------------------


def test_one_default_per_customer_is_enforced_by_the_database(
    customer: Customer, make_address: MakeAddress
) -> None:
    make_address(customer, is_default=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_address(customer, is_default=True)


def test_two_customers_may_each_have_a_default(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    make_address(customer, is_default=True)
    make_address(other_customer, is_default=True)

    assert Address.objects.filter(is_default=True).count() == 2


def test_create_makes_the_first_address_default_and_moves_it_on_request(
    customer: Customer,
) -> None:
    first = services.address_create(customer_id=customer.id, **address_payload())
    second = services.address_create(customer_id=customer.id, **address_payload())
    third = services.address_create(customer_id=customer.id, is_default=True, **address_payload())

    defaults = dict(Address.objects.values_list("id", "is_default"))
    assert defaults == {first.id: False, second.id: False, third.id: True}


def test_create_refuses_an_unknown_country(customer: Customer) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        services.address_create(customer_id=customer.id, **address_payload(country="XX"))

    assert "country" in excinfo.value.details
    assert Address.objects.count() == 0


def test_create_for_an_unknown_customer_raises_customer_not_found() -> None:
    with pytest.raises(CustomerNotFound):
        services.address_create(customer_id=424242, **address_payload())


def test_update_of_someone_elses_address_raises_not_found(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    theirs = make_address(other_customer, is_default=True)

    with pytest.raises(AddressNotFound):
        services.address_update(customer_id=customer.id, address_id=theirs.id, city="X")

    theirs.refresh_from_db()
    assert theirs.city == "Jakarta"


def test_update_refuses_to_leave_the_customer_without_a_default(
    customer: Customer, make_address: MakeAddress
) -> None:
    only = make_address(customer, is_default=True)

    with pytest.raises(DefaultAddressRequired):
        services.address_update(customer_id=customer.id, address_id=only.id, is_default=False)


def test_delete_of_the_default_promotes_the_newest(
    customer: Customer, make_address: MakeAddress
) -> None:
    default = make_address(customer, is_default=True)
    make_address(customer)
    newest = make_address(customer)

    services.address_delete(customer_id=customer.id, address_id=default.id)

    assert Address.objects.get(is_default=True) == newest


def test_delete_of_someone_elses_address_raises_not_found(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    theirs = make_address(other_customer, is_default=True)

    with pytest.raises(AddressNotFound):
        services.address_delete(customer_id=customer.id, address_id=theirs.id)

    assert Address.objects.filter(id=theirs.id).exists()
