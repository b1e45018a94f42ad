"""``manage.py seed_admin``: the service's admin login (admin / admin) for local use."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # the documented demo login, for local use only


class Command(BaseCommand):
    help = "Create admin/admin unless a superuser exists (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write("a superuser exists; password unchanged")
            return
        users.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
        self.stdout.write(f"{ADMIN_USERNAME} / {ADMIN_PASSWORD} at /admin/ (created)")
