"""The assessments and the idempotency keys in the service's admin: listed, searchable,
filtered, and read-only (each is the answer an attempt was given)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import reverse

from extracted.fraud.screening.models import Assessment
from extracted.fraud.screening.services import assessment_create

MODELS = [
    *apps.get_app_config("screening").get_models(),
    *apps.get_app_config("idempotency").get_models(),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(user)
    return client


def _assess(key: str, order_id: int, amount: str) -> Assessment:
    return assessment_create(
        attempt_key=key,
        customer_id=42,
        order_id=order_id,
        amount=Decimal(amount),
        currency="EUR",
        order_declines=0,
    ).assessment


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_listed_searchable_and_read_only(model: type[models.Model]) -> None:
    assert model in admin.site._registry, f"{model._meta.label} has no admin"
    model_admin = admin.site._registry[model]
    assert model_admin.list_display != ("__str__",)
    assert model_admin.search_fields and model_admin.list_filter
    assert not model_admin.has_add_permission(None)  # type: ignore[arg-type]
    assert not model_admin.has_change_permission(None)  # type: ignore[arg-type]
    assert not model_admin.has_delete_permission(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("q", ["x", "41", "order-41"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_changelist_renders_for_staff(
    model: type[models.Model], staff: Client, q: str
) -> None:
    _assess("order-41-attempt-1", 41, "25.00")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    response = staff.get(url, {"q": q})

    assert response.status_code == 200, f"{url} answered {response.status_code}"


def test_assessments_are_found_by_order_and_filtered_by_decision(staff: Client) -> None:
    _assess("order-41-attempt-1", 41, "25.00")
    _assess("order-77-attempt-1", 77, "9000.00")
    url = reverse("admin:screening_assessment_changelist")

    by_order = staff.get(url, {"q": "77"})
    declined = staff.get(url, {"decision__exact": "decline"})
    approved = staff.get(url, {"decision__exact": "approve"})

    assert b"order-77-attempt-1" in by_order.content
    assert b"order-41-attempt-1" not in by_order.content
    assert b"order-77-attempt-1" in declined.content
    assert b"order-41-attempt-1" not in declined.content
    assert b"amount_over_limit" in declined.content
    assert b"order-41-attempt-1" in approved.content
    assert b"order-77-attempt-1" not in approved.content


def test_an_assessment_page_renders_read_only(staff: Client) -> None:
    assessment = _assess("order-41-attempt-1", 41, "25.00")

    page = staff.get(reverse("admin:screening_assessment_change", args=[assessment.pk]))
    post = staff.post(
        reverse("admin:screening_assessment_change", args=[assessment.pk]), {"decision": "decline"}
    )

    assert page.status_code == 200
    assert b"order-41-attempt-1" in page.content
    assert b'name="decision"' not in page.content
    assert post.status_code == 403
    assert Assessment.objects.get().decision == "approve"


def test_assessments_cannot_be_added_or_deleted(staff: Client) -> None:
    assessment = _assess("order-41-attempt-1", 41, "25.00")

    add = staff.get(reverse("admin:screening_assessment_add"))
    delete = staff.post(
        reverse("admin:screening_assessment_delete", args=[assessment.pk]), {"post": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert Assessment.objects.count() == 1
