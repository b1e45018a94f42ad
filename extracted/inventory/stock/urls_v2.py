"""Release 2's public URLs: the stock read that shows an admin who holds the stock."""

from django.urls import path

from extracted.inventory.stock.apis_v2 import AvailabilityWithHoldsApi

urlpatterns = [
    path("inventory/<str:sku>", AvailabilityWithHoldsApi.as_view(), name="inventory-availability"),
]
