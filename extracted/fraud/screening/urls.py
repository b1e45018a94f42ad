"""The public API (``/api/v1/``): none. The gateway routes nothing to fraud; only payments
calls it, at ``/internal/v1/`` (``internal_urls``)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
