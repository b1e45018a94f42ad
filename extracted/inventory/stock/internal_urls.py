"""The API other services call (under ``/internal/v1/``; the gateway never routes it)."""

from django.urls import path

from extracted.inventory.stock.apis import ReservationApi, ReservationReleaseApi

urlpatterns = [
    path("reservations/<int:order_id>", ReservationApi.as_view(), name="reservation"),
    path(
        "reservations/<int:order_id>/release",
        ReservationReleaseApi.as_view(),
        name="reservation-release",
    ),
]
