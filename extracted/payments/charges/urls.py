"""The public API (``/api/v1/``, routed by the gateway from stage 4 on)."""

from django.urls import path

from extracted.payments.charges import apis

urlpatterns = [
    path("payments", apis.PaymentListCreateApi.as_view(), name="payments"),
    path("payments/<int:payment_id>", apis.PaymentDetailApi.as_view(), name="payment-detail"),
]
