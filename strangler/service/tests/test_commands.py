"""The management commands every service shares (run here as objects: the monolith's
settings do not install ``strangler.service``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from strangler.service.management.commands import ensure_database, seed_admin

pytestmark = pytest.mark.django_db


def _run(command: BaseCommand) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_seed_admin_creates_the_demo_login_once() -> None:
    first = _run(seed_admin.Command())
    second = _run(seed_admin.Command())

    admin = get_user_model().objects.get()
    assert admin.get_username() == "admin" and admin.is_superuser
    assert admin.check_password("admin")
    assert "created" in first
    assert "password unchanged" in second


def test_seed_admin_leaves_an_existing_superuser_alone() -> None:
    get_user_model().objects.create_superuser("owner", "owner@example.com", "s3cret")

    _run(seed_admin.Command())

    assert list(get_user_model().objects.values_list("username", flat=True)) == ["owner"]


def test_ensure_database_finds_the_test_database_present() -> None:
    assert "present" in _run(ensure_database.Command())
