"""The admin role from the service's admin and from ``manage.py grant_role``."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from extracted.identity.accounts.models import Credential
from extracted.identity.accounts.tests.helpers import account

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(user)
    return client


def test_the_admin_lists_searches_and_grants_admin(staff: Client) -> None:
    account()
    listing = staff.get(reverse("admin:accounts_credential_changelist"), {"q": "ada"})
    assert listing.status_code == 200 and b"ada@example.com" in listing.content

    url = reverse("admin:accounts_credential_change", args=[7])
    response = staff.post(url, {"is_admin": "on", "is_active": "on"})

    assert response.status_code == 302
    assert Credential.objects.get().roles == ("customer", "admin")
    assert Credential.objects.get().email == "ada@example.com"


def test_credentials_are_not_added_in_the_admin(staff: Client) -> None:
    assert staff.get(reverse("admin:accounts_credential_add")).status_code == 403


def test_grant_role_grants_and_revokes_admin(capsys: pytest.CaptureFixture[str]) -> None:
    account()

    call_command("grant_role", "7", "admin")
    assert Credential.objects.get().is_admin
    call_command("grant_role", "7", "admin", "--revoke")
    assert not Credential.objects.get().is_admin
    assert "ada@example.com: customer" in capsys.readouterr().out


def test_grant_role_names_a_missing_account() -> None:
    with pytest.raises(CommandError, match="No credential"):
        call_command("grant_role", "8", "admin")
