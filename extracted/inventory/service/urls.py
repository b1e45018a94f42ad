"""The inventory service's URL table: the common URLs around its API, and the API other
services call (``/internal/v1/``, never routed by the gateway)."""

from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

urlpatterns = service_urlpatterns(
    "extracted.inventory.stock.urls",
    admin_title="Inventory",
    internal="extracted.inventory.stock.internal_urls",
)

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
