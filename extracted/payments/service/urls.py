"""The payments service's URL table: the common URLs around its public API (``/api/v1/payments``,
routed by the gateway), and the API the monolith's orders call (``/internal/v1/``, never
routed by the gateway)."""

from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

urlpatterns = service_urlpatterns(
    "extracted.payments.charges.urls",
    admin_title="Payments",
    internal="extracted.payments.charges.internal_urls",
)

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
