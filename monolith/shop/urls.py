"""The monolith's URL table: the common URLs of every service (health, metrics, admin, schema,
docs), each installed context's own ``urls`` under /api/v1/ (a context a stage retires only while
the tree holds it: its route goes to the extracted service), and the internal API
other services call under /internal/v1/."""

from importlib.util import find_spec

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from strangler.service.urls import common_urlpatterns, handler400, handler404, handler500

urlpatterns = [
    *common_urlpatterns(),
    path("api/v1/", include("monolith.catalog.urls")),
    path("api/v1/", include("monolith.customers.urls")),
    path("api/v1/", include("monolith.orders.urls")),
]
# The contexts a stage retires are served while the tree holds them: notifications up to
# stage 1, inventory and payments up to stage 3 (their routes go to the extracted services).
for retired in ("monolith.inventory", "monolith.payments", "monolith.notifications"):
    if apps.is_installed(retired):
        urlpatterns.append(path("api/v1/", include(f"{retired}.urls")))
# The API other services call (the payments service's order book, from stage 4 on, the tree
# that has it), under /internal/v1/ as the services mount theirs: no route of the gateway
# reaches it.
if find_spec("monolith.orders.internal_urls") is not None:
    urlpatterns.append(path("internal/v1/", include("monolith.orders.internal_urls")))

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]

admin.site.site_header = "Shop monolith admin"
admin.site.site_title = "Shop admin"
