"""The monolith's handler table (``EVENTS_SUBSCRIPTIONS``): its contexts' subscriptions to
the events of extracted services, run by the monolith's consumer (``monolith.shop.consumer``)."""

from __future__ import annotations

from django.conf import settings

from monolith.catalog.handlers import SUBSCRIPTIONS as CATALOG
from monolith.orders.handlers import RECONCILING_PAYMENTS
from monolith.orders.handlers import SUBSCRIPTIONS as ORDERS

SUBSCRIPTIONS = (*CATALOG, *ORDERS, *(RECONCILING_PAYMENTS if settings.RECONCILE_PAYMENTS else ()))
