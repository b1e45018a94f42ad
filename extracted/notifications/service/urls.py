"""The notifications service's URL table: the common URLs around its API."""

from strangler.service.urls import handler400, handler404, handler500, service_urlpatterns

urlpatterns = service_urlpatterns("extracted.notifications.mail.urls", admin_title="Notifications")

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
