"""The API other services call (under ``/internal/v1/``; the gateway never routes it)."""

from django.urls import path

from extracted.identity.accounts.apis import CredentialCreateApi, CredentialDiscardApi

urlpatterns = [
    path("credentials", CredentialCreateApi.as_view(), name="credentials"),
    path(
        "credentials/<int:customer_id>/discard",
        CredentialDiscardApi.as_view(),
        name="credential-discard",
    ),
]
