"""The analytics service's URL table."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from strangler import health

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ReadinessView.as_view(), name="health-ready"),
    # /metrics for Prometheus, on the service's port only (the gateway answers /metrics itself)
    path("", include("django_prometheus.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("extracted.analytics.sales.urls")),
]

handler400 = "strangler.errors.json_400"
handler404 = "strangler.errors.json_404"
handler500 = "strangler.errors.json_500"

admin.site.site_header = "Analytics service admin"
admin.site.site_title = "Analytics admin"
