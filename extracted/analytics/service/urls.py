"""The analytics service's URL table: the common URLs around its API."""

from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

urlpatterns = service_urlpatterns("extracted.analytics.sales.urls", admin_title="Analytics")

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
