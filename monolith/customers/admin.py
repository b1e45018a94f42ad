"""Admin for customers and their addresses.

The password hash is never editable and only shown as Django's masked summary. Writes that
touch the "one default address" rule go through the services. From stage 5 the identity service
keeps the sign-in (the credentials port's ``kept_here`` is False): the e-mail, the password and
whether a customer may sign in are read-only here, and changed in identity's admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.hashers import identify_hasher, is_password_usable, make_password
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from monolith.customers import services
from monolith.customers.errors import InvalidInput
from monolith.customers.models import Address, Customer
from monolith.customers.selectors import normalize_email
from monolith.customers.wiring import CREDENTIALS
from strangler.composition import root

KEPT_BY_IDENTITY = (
    "The identity service keeps this customer's e-mail for signing in, password and whether "
    "they may sign in: change them in its admin (/admin/ on identity)."
)


class CustomerAdminForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current password. A new customer without one "
        "cannot sign in.",
    )

    class Meta:
        model = Customer
        fields = ("email", "full_name", "phone", "is_active")

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("new_password")
        if password:
            probe = Customer(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                services.password_check_strength(password=password, customer=probe)
            except InvalidInput as exc:
                self.add_error("new_password", exc.details["password"])
        return cleaned


class CustomerProfileForm(forms.ModelForm):
    """From stage 5: the profile only (the sign-in is identity's)."""

    class Meta:
        model = Customer
        fields = ("full_name", "phone")


class AddressInline(admin.TabularInline):
    """Read-only here: edit addresses on their own page, where the default rule is kept."""

    model = Address
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("full_name", "line1", "line2", "city", "postal_code", "country", "is_default")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ("id", "email", "full_name", "is_active", "created_at", "last_login_at")
    list_display_links = ("id", "email")
    search_fields = ("email", "full_name", "phone")
    list_filter = ("is_active", "created_at", "last_login_at")
    ordering = ("-created_at",)
    readonly_fields = ("password_summary", "created_at", "updated_at", "last_login_at")
    fieldsets = (
        (None, {"fields": ("email", "full_name", "phone", "is_active")}),
        ("Password", {"fields": ("password_summary", "new_password")}),
        ("Dates", {"fields": ("created_at", "updated_at", "last_login_at")}),
    )
    inlines = [AddressInline]
    actions = ["deactivate"]
    sign_in_fieldsets = (
        (None, {"fields": ("email", "full_name", "phone", "is_active")}),
        ("Sign-in", {"fields": ("sign_in_keeper",)}),
        ("Dates", {"fields": ("created_at", "updated_at", "last_login_at")}),
    )

    @staticmethod
    def _kept_here() -> bool:
        return root.get(CREDENTIALS).kept_here()

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        return self.fieldsets if self._kept_here() else self.sign_in_fieldsets

    def get_form(
        self, request: HttpRequest, obj: Customer | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if not self._kept_here():
            kwargs["form"] = CustomerProfileForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        if self._kept_here():
            return self.readonly_fields
        return (*self.readonly_fields, "email", "is_active", "sign_in_keeper")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # from stage 5 a customer without a credential at identity could never sign in
        return self._kept_here() and super().has_add_permission(request)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not self._kept_here():
            actions.pop("deactivate", None)
        return actions

    @admin.display(description="Kept by")
    def sign_in_keeper(self, obj: Customer) -> str:
        return KEPT_BY_IDENTITY

    @admin.display(description="Password hash")
    def password_summary(self, obj: Customer) -> str:
        if not obj.pk or not is_password_usable(obj.password):
            return "No password set."
        try:
            summary = identify_hasher(obj.password).safe_summary(obj.password)
        except ValueError:
            return "Invalid password format or unknown hashing algorithm."
        return format_html_join(", ", "<strong>{}</strong>: {}", summary.items())

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        password = form.cleaned_data.get("new_password")
        if password:
            obj.password = make_password(password)
        elif not change:
            obj.password = make_password(None)  # unusable until a password is set
        super().save_model(request, obj, form, change)

    @admin.action(description="Deactivate selected customers (no sign-in, no token refresh)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        count = services.customers_deactivate(
            customer_ids=list(queryset.values_list("id", flat=True))
        )
        self.message_user(request, f"Deactivated {count} customer(s).", messages.SUCCESS)


class AddressAdminForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ("customer", "full_name", "line1", "line2", "city", "postal_code", "country")


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    form = AddressAdminForm
    list_display = ("id", "customer", "full_name", "city", "postal_code", "country", "is_default")
    list_select_related = ("customer",)
    search_fields = ("full_name", "line1", "city", "postal_code", "customer__email")
    list_filter = ("is_default", "country")
    raw_id_fields = ("customer",)
    readonly_fields = ("is_default", "created_at", "updated_at")
    actions = ["make_default"]

    def get_readonly_fields(self, request: HttpRequest, obj: Address | None = None) -> Any:
        if obj is not None:  # an address never moves to another customer
            return (*self.readonly_fields, "customer")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Address, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.address_create(
            customer_id=obj.customer_id,
            full_name=obj.full_name,
            line1=obj.line1,
            line2=obj.line2,
            city=obj.city,
            postal_code=obj.postal_code,
            country=obj.country,
        )
        obj.pk = created.pk
        obj.is_default = created.is_default
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Address) -> None:
        services.address_delete(customer_id=obj.customer_id, address_id=obj.id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Address]) -> None:
        for customer_id, address_id in queryset.values_list("customer_id", "id"):
            services.address_delete(customer_id=customer_id, address_id=address_id)

    @admin.action(description="Make the selected address its customer's default")
    def make_default(self, request: HttpRequest, queryset: QuerySet[Address]) -> None:
        for customer_id, address_id in queryset.values_list("customer_id", "id"):
            services.address_update(customer_id=customer_id, address_id=address_id, is_default=True)
        self.message_user(request, "Default address updated.", messages.SUCCESS)
