"""The API other services call (under ``/internal/v1/``; the gateway never routes it)."""

from django.urls import path

from extracted.identity.accounts.apis import CredentialCreateApi

urlpatterns = [
    path("credentials", CredentialCreateApi.as_view(), name="credentials"),
]
