"""Customers of the shop and their postal addresses.

Customers are not Django auth users (those are the staff who use the admin). A customer signs
in with e-mail and password and gets a JWT whose subject is ``str(customer.id)``.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from monolith.customers.countries import COUNTRY_CHOICES

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{4,30}$",
    "Enter a phone number: digits, optionally a leading +, spaces, dots, dashes or brackets.",
)


class Customer(models.Model):
    email = models.EmailField(
        max_length=254, unique=True, help_text="Stored lower-cased; unique case-insensitively."
    )
    full_name = models.CharField(max_length=200)
    password = models.CharField(max_length=128, help_text="A Django password hash, never plain.")
    phone = models.CharField(max_length=32, blank=True, default="", validators=[phone_validator])
    is_active = models.BooleanField(
        default=True, help_text="Inactive customers cannot sign in or refresh their tokens."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # ``email`` is normalised to lower case by the services; this guards every other
            # writer (admin, shell, data migrations) against a case-only duplicate.
            models.UniqueConstraint(Lower("email"), name="customers_customer_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    full_name = models.CharField(max_length=200, help_text="The recipient's name.")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(
        max_length=2, choices=COUNTRY_CHOICES, help_text="ISO 3166-1 alpha-2 code."
    )
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default=True),
                name="customers_address_one_default_per_customer",
                violation_error_message="This customer already has a default address.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city} {self.country}"
