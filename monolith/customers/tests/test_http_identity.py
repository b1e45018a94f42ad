"""HttpIdentity against a real HTTP server on loopback, and a registration with identity down."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from monolith.customers import services
from monolith.customers.errors import EmailTaken, WeakPassword
from monolith.customers.http_identity import HttpIdentity, IdentityRefused
from monolith.customers.models import Customer
from monolith.customers.ports import NewAccount
from monolith.customers.wiring import CREDENTIALS
from strangler.composition import resolve, root
from strangler.errors import ServiceUnavailable
from strangler.http.testing import Reply, closed_port_url, scripted_server

TIMEOUT = 0.5
ACCOUNT = NewAccount(customer_id=7, email="ada@example.com", password="correct horse battery")


def created(customer_id: int = 7, email: str = "ada@example.com") -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "email": email,
        "roles": ["customer"],
        "tokens": {
            "access": "a.b.c",
            "refresh": "d.e.f",
            "token_type": "Bearer",
            "expires_in": 900,
        },
    }


def test_a_credential_is_posted_keyed_by_the_customer_and_its_pair_returned() -> None:
    with scripted_server(Reply(201, created())) as server:
        pair = HttpIdentity(server.url, TIMEOUT).create(ACCOUNT)
    assert (pair.access, pair.refresh, pair.access_expires_in) == ("a.b.c", "d.e.f", 900)
    [post] = server.received
    assert (post.method, post.path) == ("POST", "/internal/v1/credentials")
    assert post.headers["idempotency-key"] == "customer-7-credential"
    assert post.body == {
        "customer_id": 7,
        "email": "ada@example.com",
        "password": "correct horse battery",
    }


def test_a_failed_post_is_retried_with_the_same_key() -> None:
    replies = [Reply(503, {"error": {"code": "service_unavailable"}}), Reply(201, created())]
    with scripted_server(*replies) as server:
        HttpIdentity(server.url, TIMEOUT).create(ACCOUNT)
    assert {r.headers["idempotency-key"] for r in server.received} == {"customer-7-credential"}


def test_a_taken_email_is_the_customers_email_taken() -> None:
    taken = {"error": {"code": "email_taken", "message": "taken", "details": {}}}
    with scripted_server(Reply(409, taken)) as server, pytest.raises(EmailTaken):
        HttpIdentity(server.url, TIMEOUT).create(ACCOUNT)


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (400, {"error": {"code": "validation_error", "message": "no"}}, "validation_error"),
        (409, {"error": {"code": "credential_exists", "message": "no"}}, "credential_exists"),
        (201, {"customer_id": 7, "tokens": {"access": 1}}, ""),
        (200, "<html>a proxy's page</html>", ""),
    ],
)
def test_an_answer_that_is_not_a_credential_is_refused(status: int, body: Any, code: str) -> None:
    with scripted_server(Reply(status, body)) as server, pytest.raises(IdentityRefused) as raised:
        HttpIdentity(server.url, TIMEOUT).create(ACCOUNT)
    assert raised.value.details == {"status": status, "code": code}


def test_identity_unreachable_raises_service_unavailable_naming_it() -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        HttpIdentity(closed_port_url(), TIMEOUT).create(ACCOUNT)
    assert raised.value.details == {"service": "identity"}


@override_settings(IDENTITY_SERVICE_URL="http://identity.test:9", IDENTITY_TIMEOUT=0.75)
def test_the_settings_give_the_url_and_the_timeout() -> None:
    client = HttpIdentity().client
    assert (client.base_url, client.timeout) == ("http://identity.test:9", (0.75, 0.75))


def test_the_stage_setting_names_an_adapter_the_check_accepts() -> None:
    http = "monolith.customers.http_identity.HttpIdentity"
    with override_settings(CUSTOMERS_CREDENTIALS_ADAPTER=http):
        assert resolve(CREDENTIALS, settings) is HttpIdentity


def _register(email: str = "ada@example.com", password: str = "correct horse battery") -> Any:
    return services.customer_register(email=email, password=password, full_name="Ada Lovelace")


@pytest.mark.django_db
def test_identity_down_keeps_no_customer() -> None:
    down = HttpIdentity(closed_port_url(), TIMEOUT)
    with root.replaced(CREDENTIALS, down), pytest.raises(ServiceUnavailable) as raised:
        _register()
    assert raised.value.details == {"service": "identity"}
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_registration_keeps_no_password_here_and_answers_identity_s_pair() -> None:
    with (
        scripted_server(Reply(201, created())) as server,
        root.replaced(CREDENTIALS, HttpIdentity(server.url, TIMEOUT)),
    ):
        signed_in = _register()
    customer = Customer.objects.get()
    assert signed_in.tokens.access == "a.b.c"
    assert customer.password.startswith("!")
    assert server.received[0].body["customer_id"] == customer.id


@pytest.mark.django_db
def test_a_weak_password_is_refused_here_before_identity_is_asked() -> None:
    with (
        scripted_server() as server,
        root.replaced(CREDENTIALS, HttpIdentity(server.url, TIMEOUT)),
        pytest.raises(WeakPassword),
    ):
        _register(password="password123")
    assert server.received == []
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_once_the_circuit_is_open_registration_is_refused_without_calling_identity() -> None:
    with scripted_server(Reply(500, {"error": {}})) as server:
        identity = HttpIdentity(server.url, TIMEOUT)
        with root.replaced(CREDENTIALS, identity), override_settings(IDENTITY_BREAKER_FAILURES=1):
            for n in range(2):
                with pytest.raises(ServiceUnavailable) as raised:
                    _register(email=f"ada{n}@example.com")
    assert raised.value.details["circuit"] == "open"
    assert len(server.received) == 1
    assert not Customer.objects.exists()
