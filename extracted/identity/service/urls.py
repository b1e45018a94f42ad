"""The identity service's URL table: the common URLs, the public auth API the gateway routes
to it (``/api/v1/auth/...``), and the credentials the monolith creates (``/internal/v1/``)."""

from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

urlpatterns = service_urlpatterns(
    "extracted.identity.accounts.urls",
    admin_title="Identity",
    internal="extracted.identity.accounts.internal_urls",
)

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
