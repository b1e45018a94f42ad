"""Customers' credentials: what signs a customer in, and the roles their tokens carry.

The customer's profile (name, phone, addresses) stays with the monolith; a credential is keyed
by the customer's id there, which is also the subject of every token identity signs.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

CUSTOMER = "customer"
ADMIN = "admin"
ROLES = (CUSTOMER, ADMIN)


class Credential(models.Model):
    customer_id = models.BigIntegerField(
        primary_key=True, help_text="The monolith's customer id; the tokens' subject."
    )
    email = models.EmailField(
        max_length=254, unique=True, help_text="Stored lower-cased; unique case-insensitively."
    )
    password = models.CharField(max_length=128, help_text="A Django password hash, never plain.")
    is_admin = models.BooleanField(
        default=False,
        db_default=False,  # the rows taken over from the monolith have no such column
        help_text="The admin role, on top of the customer role every account has.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive accounts cannot sign in or refresh their tokens."
    )
    last_login_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-customer_id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_credential_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.customer_id})"

    @property
    def roles(self) -> tuple[str, ...]:
        return (CUSTOMER, ADMIN) if self.is_admin else (CUSTOMER,)
