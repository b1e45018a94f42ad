"""``python manage.py seed_demo``: a catalog with stock, a demo customer and an admin login.

The stock is the monolith's while the tree holds the inventory context (stages 0 to 3).

Idempotent: running it again changes nothing and prints the same table.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from monolith.catalog import interface as catalog
from monolith.customers import interface as customers

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # the documented demo login, for local use only
DEMO_PASSWORD = "demo-password-1"  # set by customers.seed_demo_customer


class Command(BaseCommand):
    help = "Seed the demo catalog, stock, customer and a Django admin superuser (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        products = catalog.seed_demo_catalog()
        skus = [product.sku for product in products]
        stock = self._seed_stock(skus)
        customer = customers.seed_demo_customer()
        admin_login = self._ensure_admin()

        rows = [
            ("products", f"{len(products)} in the catalog"),
            ("stock", stock),
            ("demo customer", f"{customer.email} / {DEMO_PASSWORD} (id {customer.customer_id})"),
            ("admin login", admin_login),
        ]
        width = max(len(label) for label, _ in rows)
        self.stdout.write(self.style.SUCCESS("Demo data ready:"))
        for label, value in rows:
            self.stdout.write(f"  {label.ljust(width)}  {value}")

    @staticmethod
    def _seed_stock(skus: list[str]) -> str:
        """The monolith's stock, while it holds the inventory context (stages 0 to 3); from
        stage 4 on the inventory service seeds its own (``seed_demo_stock`` in its set-up)."""
        if not apps.is_installed("monolith.inventory"):
            return "kept by the inventory service (its set-up seeds it)"
        from monolith.inventory import interface as inventory

        inventory.seed_demo_stock(skus)
        units = sum(inventory.get_availability(sku).on_hand for sku in skus)
        return f"{units} units on hand across {len(skus)} SKUs"

    @staticmethod
    def _ensure_admin() -> str:
        """Create admin/admin unless a superuser exists; describe the login either way."""
        users = get_user_model()
        existing = users.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is None:
            users.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
            return f"{ADMIN_USERNAME} / {ADMIN_PASSWORD} at /admin/ (created)"
        return f"{existing.get_username()} at /admin/ (already exists, password unchanged)"
