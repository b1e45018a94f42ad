"""HttpIdentity against a real HTTP server on loopback, and a registration with identity down."""

from __future__ import annotations

import re
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
KEY = re.compile(r"^customer-7-credential-[0-9a-f]{12}$")  # one attempt's
LOST = Reply(0, drop=True)  # the connection closed without an answer
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
    assert KEY.match(post.headers["idempotency-key"]), post.headers
    assert post.body == {
        "customer_id": 7,
        "email": "ada@example.com",
        "password": "correct horse battery",
    }


def test_a_failed_post_is_retried_with_the_same_key_and_another_attempt_has_another() -> None:
    replies = [Reply(503, {"error": {"code": "service_unavailable"}}), Reply(201, created())]
    with scripted_server(*replies) as server:
        HttpIdentity(server.url, TIMEOUT).create(ACCOUNT)
        HttpIdentity(server.url, TIMEOUT).create(ACCOUNT)
    first, retried, second = (r.headers["idempotency-key"] for r in server.received)
    assert first == retried != second


@pytest.mark.parametrize("discarded", [True, False])
def test_a_discard_names_the_customer_and_the_e_mail(discarded: bool) -> None:
    with scripted_server(Reply(200, {"discarded": discarded})) as server:
        assert HttpIdentity(server.url, TIMEOUT).discard(ACCOUNT) is discarded
    [post] = server.received
    assert (post.method, post.path) == ("POST", "/internal/v1/credentials/7/discard")
    assert post.body == {"email": "ada@example.com"}


def test_a_discard_identity_does_not_answer_or_refuses_raises() -> None:
    with pytest.raises(ServiceUnavailable):
        HttpIdentity(closed_port_url(), TIMEOUT).discard(ACCOUNT)
    refused = Reply(400, {"error": {"code": "validation_error", "message": "no"}})
    with scripted_server(refused) as server, pytest.raises(IdentityRefused):
        HttpIdentity(server.url, TIMEOUT).discard(ACCOUNT)


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
def test_a_credential_whose_answer_was_lost_is_discarded_with_the_rolled_back_customer() -> None:
    """Identity kept the credential but its answer never came: the customer's row goes, and
    identity is asked to discard the credential of that customer id and e-mail."""
    with (
        scripted_server(LOST, LOST, LOST, Reply(200, {"discarded": True})) as server,
        root.replaced(CREDENTIALS, HttpIdentity(server.url, TIMEOUT)),
        pytest.raises(ServiceUnavailable),
    ):
        _register()
    assert not Customer.objects.exists()
    *posts, discard = server.received
    assert [p.path for p in posts] == ["/internal/v1/credentials"] * 3
    assert discard.path == f"/internal/v1/credentials/{posts[0].body['customer_id']}/discard"
    assert discard.body == {"email": "ada@example.com"}


@pytest.mark.django_db
def test_a_discard_identity_does_not_answer_is_asked_again_by_the_worker() -> None:
    """(The worker runs eagerly here: its retries come in a row.)"""
    replies = [LOST, LOST, LOST, Reply(503, {}), Reply(503, {}), Reply(503, {})]
    replies += [Reply(200, {"discarded": True})]
    with (
        scripted_server(*replies) as server,
        root.replaced(CREDENTIALS, HttpIdentity(server.url, TIMEOUT)),
        override_settings(IDENTITY_BREAKER_FAILURES=10),
        pytest.raises(ServiceUnavailable),
    ):
        _register()
    paths = [r.path.rsplit("/", 1)[-1] for r in server.received]
    assert paths == ["credentials"] * 3 + ["discard"] * 4


@pytest.mark.django_db
def test_a_refused_registration_asks_for_no_discard() -> None:
    taken = {"error": {"code": "email_taken", "message": "taken", "details": {}}}
    with (
        scripted_server(Reply(409, taken)) as server,
        root.replaced(CREDENTIALS, HttpIdentity(server.url, TIMEOUT)),
        pytest.raises(EmailTaken),
    ):
        _register()
    assert [r.path for r in server.received] == ["/internal/v1/credentials"]


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
