"""The monolith's URL table. Each context mounts its own ``urls`` under /api/v1/."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from strangler import health

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ReadinessView.as_view(), name="health-ready"),
    # /metrics for Prometheus. From stage 1 the gateway answers /metrics itself (its own
    # figures): this one is reached on the service's port only, never through the gateway.
    path("", include("django_prometheus.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("monolith.catalog.urls")),
    path("api/v1/", include("monolith.customers.urls")),
    path("api/v1/", include("monolith.orders.urls")),
    path("api/v1/", include("monolith.inventory.urls")),
    path("api/v1/", include("monolith.payments.urls")),
    path("api/v1/", include("monolith.notifications.urls")),
]

handler400 = "strangler.errors.json_400"
handler404 = "strangler.errors.json_404"
handler500 = "strangler.errors.json_500"

admin.site.site_header = "Shop monolith admin"
admin.site.site_title = "Shop admin"
