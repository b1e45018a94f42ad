"""Every model of the service has a read-only admin page that renders."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import reverse

MODELS = list(apps.get_app_config("analytics").get_models())


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered_read_only(model: type[models.Model], rf: object) -> None:
    assert model in admin.site._registry, f"{model._meta.label} has no admin"
    model_admin = admin.site._registry[model]
    assert model_admin.list_display != ("__str__",)
    assert not model_admin.has_add_permission(None)  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_changelist_renders_for_staff(model: type[models.Model], client: Client) -> None:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": "1"} if admin.site._registry[model].search_fields else {})
    assert response.status_code == 200, f"{url} answered {response.status_code}"
