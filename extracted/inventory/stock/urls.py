from django.urls import path

from extracted.inventory.stock.apis import AvailabilityApi

urlpatterns = [
    path("inventory/<str:sku>", AvailabilityApi.as_view(), name="inventory-availability"),
]
