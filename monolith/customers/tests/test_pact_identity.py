"""The identity service's consumer-driven contract, as the customers context's HttpIdentity
needs it at registration: a new customer's credential created, an e-mail already taken, and
the credential of a registration rolled back discarded, stated with Pact.

The real adapter, with the kit's real HTTP client, calls Pact's mock server. The pact this
writes is the committed strangler/contracts/pacts/monolith-customers-identity.json
(PACT_WRITE=1 rewrites it), which the identity service's suite verifies against itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match

from monolith.customers.errors import EmailTaken
from monolith.customers.http_identity import HttpIdentity
from monolith.customers.ports import NewAccount
from strangler.contracts.pact import assert_committed

CONSUMER, PROVIDER = "monolith-customers", "identity"
NO_ACCOUNT = "no account has the e-mail ada@example.com"
TAKEN = "customer 3 has the e-mail ada@example.com"
LEFT_BEHIND = "customer 7 has the e-mail ada@example.com"
KEY = r"^customer-7-credential-[0-9a-f]{12}$"  # one registration's: random per attempt
JWT = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
TIMEOUT = 5.0
ACCOUNT = NewAccount(customer_id=7, email="ada@example.com", password="correct horse battery")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("pacts")
    yield folder
    assert_committed(folder, CONSUMER, PROVIDER)


def _create(pact: Pact, description: str, state: str) -> Any:
    return (
        pact.upon_receiving(description)
        .given(state)
        .with_request("POST", "/internal/v1/credentials")
        .with_header(
            "Idempotency-Key", match.regex("customer-7-credential-0a1b2c3d4e5f", regex=KEY)
        )
        .with_body(
            {"customer_id": 7, "email": "ada@example.com", "password": "correct horse battery"},
            content_type="application/json",
        )
    )


def _pact() -> Pact:
    return Pact(CONSUMER, PROVIDER).with_specification("V4")


def test_a_new_customer_s_credential_is_created_with_a_token_pair(written: Path) -> None:
    pact = _pact()
    _create(pact, "a new customer's credential", NO_ACCOUNT).will_respond_with(201).with_body(
        {
            "customer_id": 7,
            "email": "ada@example.com",
            "roles": ["customer"],
            "tokens": {
                "access": match.regex("a.b.c", regex=JWT),
                "refresh": match.regex("d.e.f", regex=JWT),
                "token_type": "Bearer",
                "expires_in": match.int(900),
            },
        },
        content_type="application/json",
    )
    with pact.serve(addr="127.0.0.1") as server:
        pair = HttpIdentity(str(server.url), TIMEOUT).create(ACCOUNT)
    assert (pair.access, pair.access_expires_in) == ("a.b.c", 900)
    pact.write_file(written)


def test_an_email_another_customer_has_is_taken(written: Path) -> None:
    pact = _pact()
    _create(pact, "a credential for an e-mail already taken", TAKEN).will_respond_with(
        409
    ).with_body(
        {"error": {"code": "email_taken", "message": match.str("taken")}},
        content_type="application/json",
    )
    with pact.serve(addr="127.0.0.1") as server, pytest.raises(EmailTaken):
        HttpIdentity(str(server.url), TIMEOUT).create(ACCOUNT)
    pact.write_file(written)


def test_the_credential_of_a_rolled_back_registration_is_discarded(written: Path) -> None:
    pact = _pact()
    (
        pact.upon_receiving("the discard of a rolled-back registration's credential")
        .given(LEFT_BEHIND)
        .with_request("POST", "/internal/v1/credentials/7/discard")
        .with_body({"email": "ada@example.com"}, content_type="application/json")
        .will_respond_with(200)
        .with_body({"discarded": True}, content_type="application/json")
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpIdentity(str(server.url), TIMEOUT).discard(ACCOUNT) is True
    pact.write_file(written)
