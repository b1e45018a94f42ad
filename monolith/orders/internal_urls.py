"""The order book other services call (under ``/internal/v1/``; the gateway never routes it)."""

from django.urls import path

from monolith.orders.internal_apis import OrderBookOrderApi, OrderBookPaymentApi

urlpatterns = [
    path("orders/<int:order_id>", OrderBookOrderApi.as_view(), name="order-book-order"),
    path("orders/<int:order_id>/payment", OrderBookPaymentApi.as_view(), name="order-book-payment"),
]
