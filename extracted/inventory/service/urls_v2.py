"""Release 2 of the inventory service (``SERVICE_RELEASE=2``): release 1's URL table, with
the public stock read of ``stock/urls_v2.py``. The internal API is release 1's."""

from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

urlpatterns = service_urlpatterns(
    "extracted.inventory.stock.urls_v2",
    admin_title="Inventory (release 2)",
    internal="extracted.inventory.stock.internal_urls",
)

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
