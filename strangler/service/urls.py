"""The URLs every service serves around its API, and its JSON error handlers.

A service's ``urls.py``::

    from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

    urlpatterns = service_urlpatterns("extracted.notifications.mail.urls", admin_title="...")
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from strangler import health

handler400 = "strangler.errors.json_400"
handler404 = "strangler.errors.json_404"
handler500 = "strangler.errors.json_500"


def common_urlpatterns() -> list[URLPattern | URLResolver]:
    """Health probes, /metrics, the admin, the OpenAPI schema and its docs."""
    return [
        path("health/live", health.live, name="health-live"),
        path("health/ready", health.ReadinessView.as_view(), name="health-ready"),
        # /metrics for Prometheus. From stage 1 the gateway answers /metrics itself (its own
        # figures): this one is reached on the service's port only, never through the gateway.
        path("", include("django_prometheus.urls")),
        path("admin/", admin.site.urls),
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    ]


def service_urlpatterns(
    api: str, *, admin_title: str, internal: str = ""
) -> list[URLPattern | URLResolver]:
    """The common URLs and the service's API (the ``api`` URLconf) under ``api/v1/``; the
    admin's pages are titled ``<admin_title> admin``. ``internal`` names the URLconf of the
    API other services call, under ``internal/v1/`` (the gateway never routes it)."""
    admin.site.site_header = f"{admin_title} service admin"
    admin.site.site_title = f"{admin_title} admin"
    patterns = [*common_urlpatterns(), path("api/v1/", include(api))]
    if internal:
        patterns.append(path("internal/v1/", include(internal)))
    return patterns
