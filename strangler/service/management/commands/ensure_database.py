"""``manage.py ensure_database``: create this service's PostgreSQL database if missing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from strangler.config import ensure_database


class Command(BaseCommand):
    help = "Create the service's own PostgreSQL database when it does not exist (SQLite: no-op)."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        config = settings.DATABASES["default"]
        created = ensure_database(config)
        self.stdout.write(f"database {config['NAME']}: {'created' if created else 'present'}")
