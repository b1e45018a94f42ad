from django.urls import path

from monolith.payments import apis

urlpatterns = [
    path("payments", apis.PaymentListCreateApi.as_view(), name="payments"),
    path("payments/<int:payment_id>", apis.PaymentDetailApi.as_view(), name="payment-detail"),
]
