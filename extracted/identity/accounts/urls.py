"""The public API (``/api/v1/``): sign-in, refresh and the public keys, at the paths the
monolith served them (the gateway routes them here from the stage identity is extracted)."""

from django.urls import path

from extracted.identity.accounts import apis

urlpatterns = [
    path("auth/token", apis.TokenApi.as_view(), name="identity-token"),
    path("auth/refresh", apis.RefreshApi.as_view(), name="identity-refresh"),
    path("auth/jwks.json", apis.JwksApi.as_view(), name="identity-jwks"),
]
