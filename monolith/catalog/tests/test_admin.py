from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from monolith.catalog.models import Product
from monolith.catalog.services import catalog_seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seeded() -> None:
    catalog_seed_demo()


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("category", ""),
        ("category", "?q=tea"),
        ("category", "?has_products=yes"),
        ("category", "?has_products=no"),
        ("product", ""),
        ("product", "?q=kenya"),
        ("product", "?is_active__exact=1"),
        ("product", "?category__id__exact=1&currency__exact=EUR"),
    ],
)
def test_changelists_render(admin_client: Client, model: str, query: str) -> None:
    response = admin_client.get(reverse(f"admin:catalog_{model}_changelist") + query)

    assert response.status_code == 200


def test_product_change_form_renders(admin_client: Client) -> None:
    product = Product.objects.get(sku="COF-KEN-NYERI-250")

    response = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))

    assert response.status_code == 200
    assert b"COF-KEN-NYERI-250" in response.content


def test_category_change_form_renders_with_its_products(admin_client: Client) -> None:
    product = Product.objects.get(sku="COF-KEN-NYERI-250")

    response = admin_client.get(
        reverse("admin:catalog_category_change", args=[product.category_id])
    )

    assert response.status_code == 200
    assert b"COF-KEN-NYERI-250" in response.content
