"""The fraud service's URL table: the common URLs, no public API (the gateway routes nothing
to fraud), and the assessments other services ask for (``/internal/v1/``)."""

from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

urlpatterns = service_urlpatterns(
    "extracted.fraud.screening.urls",
    admin_title="Fraud",
    internal="extracted.fraud.screening.internal_urls",
)

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
