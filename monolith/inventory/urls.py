from django.urls import path

from monolith.inventory.apis import AvailabilityApi

urlpatterns = [
    path("inventory/<str:sku>", AvailabilityApi.as_view(), name="inventory-availability"),
]
