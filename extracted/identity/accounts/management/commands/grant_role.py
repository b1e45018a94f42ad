"""``manage.py grant_role <customer_id> admin [--revoke]``: the admin role from the shell."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from extracted.identity.accounts import services
from extracted.identity.accounts.models import ADMIN
from strangler.errors import DomainError


class Command(BaseCommand):
    help = "Grant a customer the admin role (or revoke it with --revoke)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer_id", type=int)
        parser.add_argument("role", choices=[ADMIN])
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credential = services.role_set(
                customer_id=options["customer_id"],
                role=options["role"],
                granted=not options["revoke"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{credential.email}: {', '.join(credential.roles)}")
