from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from monolith.customers import services
from monolith.customers.admin import KEPT_BY_IDENTITY
from monolith.customers.errors import CredentialsKeptElsewhere
from monolith.customers.models import Address, Customer
from monolith.customers.ports import NewAccount
from monolith.customers.tests.conftest import MakeAddress, MakeCustomer
from monolith.customers.tests.helpers import address_payload
from monolith.customers.wiring import CREDENTIALS
from strangler.auth.tokens import TokenPair
from strangler.composition import root

pytestmark = pytest.mark.django_db


def test_customer_changelist_searches_and_filters(
    admin_client: Client, make_customer: MakeCustomer
) -> None:
    make_customer(email="wayan@example.com", full_name="Wayan Sudirta")
    make_customer(email="ketut@example.com", full_name="Ketut Arya", is_active=False)
    url = reverse("admin:customers_customer_changelist")

    found = admin_client.get(url, {"q": "wayan"})
    inactive = admin_client.get(url, {"is_active__exact": "0"})

    assert found.status_code == inactive.status_code == 200
    assert b"wayan@example.com" in found.content and b"ketut@example.com" not in found.content
    assert b"ketut@example.com" in inactive.content and b"wayan@example.com" not in inactive.content


def test_customer_page_shows_a_masked_hash_and_the_addresses(
    admin_client: Client, customer: Customer, make_address: MakeAddress
) -> None:
    make_address(customer, is_default=True, line1="Jl. Kenanga 7")

    response = admin_client.get(reverse("admin:customers_customer_change", args=[customer.id]))

    assert response.status_code == 200
    html = response.content.decode()
    algorithm, salt, digest = customer.password.split("$")
    assert f"<strong>algorithm</strong>: {algorithm}" in html
    assert digest not in html and salt not in html
    assert "Jl. Kenanga 7" in html


def test_admin_can_add_a_customer_with_a_hashed_password(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:customers_customer_add"),
        {
            "email": "Made@Example.com",
            "full_name": "Made Wirawan",
            "phone": "",
            "is_active": "on",
            "new_password": "a-long-admin-secret-3",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get()
    assert customer.email == "made@example.com"
    assert check_password("a-long-admin-secret-3", customer.password)


def test_admin_refuses_a_weak_password_and_a_case_duplicate_email(
    admin_client: Client, customer: Customer
) -> None:
    response = admin_client.post(
        reverse("admin:customers_customer_add"),
        {
            "email": "ANA@example.com",
            "full_name": "Another Ana",
            "is_active": "on",
            "new_password": "123",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "email" in errors and "new_password" in errors
    assert Customer.objects.count() == 1


def test_deactivate_action(admin_client: Client, make_customer: MakeCustomer) -> None:
    chosen = make_customer()
    untouched = make_customer()

    response = admin_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "deactivate", "_selected_action": [chosen.id]},
    )

    assert response.status_code == 302
    chosen.refresh_from_db()
    untouched.refresh_from_db()
    assert (chosen.is_active, untouched.is_active) == (False, True)


def test_adding_an_address_in_the_admin_keeps_the_default_rule(
    admin_client: Client, customer: Customer
) -> None:
    url = reverse("admin:customers_address_add")

    for line1 in ("First", "Second"):
        response = admin_client.post(url, {"customer": customer.id, **address_payload(line1=line1)})
        assert response.status_code == 302

    assert dict(Address.objects.values_list("line1", "is_default")) == {
        "First": True,
        "Second": False,
    }


def test_deleting_the_default_in_the_admin_promotes_another(
    admin_client: Client, customer: Customer, make_address: MakeAddress
) -> None:
    default = make_address(customer, is_default=True)
    other = make_address(customer)

    response = admin_client.post(
        reverse("admin:customers_address_delete", args=[default.id]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert list(Address.objects.values_list("id", "is_default")) == [(other.id, True)]


def test_make_default_action(
    admin_client: Client, customer: Customer, make_address: MakeAddress
) -> None:
    make_address(customer, is_default=True)
    other = make_address(customer)

    admin_client.post(
        reverse("admin:customers_address_changelist"),
        {"action": "make_default", "_selected_action": [other.id]},
    )

    assert Address.objects.get(is_default=True) == other


def test_address_changelist_and_change_page_load(
    admin_client: Client, customer: Customer, make_address: MakeAddress
) -> None:
    address = make_address(customer, is_default=True)

    assert (
        admin_client.get(reverse("admin:customers_address_changelist"), {"q": "ana"}).status_code
        == 200
    )
    assert (
        admin_client.get(reverse("admin:customers_address_change", args=[address.id])).status_code
        == 200
    )


# --- from stage 5 the identity service keeps the sign-in ----------------------------------------


class KeptByIdentity:
    """The credentials port as from stage 5: the sign-in is kept elsewhere (no call expected)."""

    def kept_here(self) -> bool:
        return False

    def create(self, account: NewAccount) -> TokenPair:
        raise AssertionError("the admin creates no credential")

    def discard(self, account: NewAccount) -> bool:
        raise AssertionError("the admin discards no credential")


@pytest.fixture
def identity_keeps_sign_in() -> Iterator[None]:
    with root.replaced(CREDENTIALS, KeptByIdentity()):
        yield


@pytest.mark.usefixtures("identity_keeps_sign_in")
def test_from_stage_5_the_sign_in_is_read_only_here_and_named_as_identity_s(
    admin_client: Client, make_customer: MakeCustomer
) -> None:
    customer = make_customer(email="wayan@example.com")
    url = reverse("admin:customers_customer_change", args=[customer.id])

    page = admin_client.get(url)
    form = page.context["adminform"].form
    assert set(form.fields) == {"full_name", "phone"}
    assert escape(KEPT_BY_IDENTITY).encode() in page.content
    changed = admin_client.post(
        url,
        {
            "email": "other@example.com",
            "full_name": "Wayan S",
            "phone": "",
            "is_active": "",
            "new_password": "a new pass phrase 9",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )

    assert changed.status_code == 302
    customer.refresh_from_db()
    assert (customer.email, customer.full_name, customer.is_active) == (
        "wayan@example.com",
        "Wayan S",
        True,
    )
    assert not check_password("a new pass phrase 9", customer.password)


@pytest.mark.usefixtures("identity_keeps_sign_in")
def test_from_stage_5_no_customer_is_added_or_deactivated_here(
    admin_client: Client, make_customer: MakeCustomer
) -> None:
    customer = make_customer()
    changelist = reverse("admin:customers_customer_changelist")

    assert admin_client.get(reverse("admin:customers_customer_add")).status_code == 403
    assert (
        "deactivate"
        not in admin_client.get(changelist)
        .context["action_form"]
        .fields["action"]
        .choices.__repr__()
    )
    admin_client.post(changelist, {"action": "deactivate", "_selected_action": [customer.id]})
    customer.refresh_from_db()
    assert customer.is_active
    with pytest.raises(CredentialsKeptElsewhere):
        services.customers_deactivate(customer_ids=[customer.id])
    with pytest.raises(CredentialsKeptElsewhere):
        services.customer_set_password(customer_id=customer.id, password="a new pass phrase 9")
