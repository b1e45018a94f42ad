"""The set-up every stage runs for a service (ensure_database, migrate, collectstatic,
seed_admin, events_declare) succeeds for payments, which consumes no events."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client


def test_events_declare_declares_nothing_and_succeeds() -> None:
    out = io.StringIO()

    call_command("events_declare", stdout=out)

    assert out.getvalue() == "payments consumes no events: no queue to declare\n"


@pytest.mark.django_db
def test_seed_admin_makes_the_login_once() -> None:
    call_command("seed_admin")
    call_command("seed_admin")

    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert Client().login(username="admin", password="admin")


@pytest.mark.django_db
def test_ensure_database_finds_the_database() -> None:
    out = io.StringIO()

    call_command("ensure_database", stdout=out)

    assert out.getvalue().endswith("present\n")
