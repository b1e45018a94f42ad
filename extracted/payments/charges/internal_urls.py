"""The API the monolith's orders call (under ``/internal/v1/``; the gateway never routes it)."""

from django.urls import path

from extracted.payments.charges.internal_apis import CardTokenApi, ChargeCreateApi, RefundApi

urlpatterns = [
    path("card-tokens/<str:card_token>", CardTokenApi.as_view(), name="card-token"),
    path("charges", ChargeCreateApi.as_view(), name="charges"),
    path("refunds/<int:order_id>", RefundApi.as_view(), name="refund"),
]
