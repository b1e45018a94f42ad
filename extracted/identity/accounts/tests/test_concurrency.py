"""A real race on PostgreSQL: two customers register one e-mail at once, one gets it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from extracted.identity.accounts import services
from extracted.identity.accounts.errors import EmailTaken
from extracted.identity.accounts.models import Credential
from extracted.identity.accounts.tests.helpers import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need PostgreSQL: SQLite's test database refuses a second writer at once",
    ),
]


def test_two_registrations_of_one_email_at_once_make_one_credential() -> None:
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def register(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = services.credential_create(
                customer_id=10 + i, email="ada@example.com", password=PASSWORD
            )
        except Exception as exc:  # the test inspects what was raised
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(type(r).__name__ for r in results) == ["EmailTaken", "SignedIn"]
    assert any(isinstance(r, EmailTaken) for r in results)
    assert Credential.objects.count() == 1
