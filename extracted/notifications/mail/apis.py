"""HTTP API of the notifications service: byte for byte the monolith's endpoints."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.notifications.mail import selectors
from extracted.notifications.mail.models import Notification
from strangler.api import OrderFilterSerializer, customer_id_of, error_response, order_id_filter


class NotificationOutputSerializer(serializers.ModelSerializer[Notification]):
    class Meta:
        model = Notification
        ref_name = "Notification"
        fields = [
            "id",
            "kind",
            "order_id",
            "recipient",
            "subject",
            "body",
            "status",
            "created_at",
            "sent_at",
        ]


class NotificationListApi(ListAPIView[Notification]):
    OutputSerializer = NotificationOutputSerializer
    serializer_class = NotificationOutputSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notification_list_for_customer(
            customer_id=customer_id_of(self.request), order_id=order_id_filter(self.request)
        )

    @extend_schema(
        operation_id="notifications_list",
        parameters=[OrderFilterSerializer],
        summary="The caller's notifications, newest first.",
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationDetailApi(APIView):
    OutputSerializer = NotificationOutputSerializer

    @extend_schema(
        operation_id="notifications_retrieve",
        summary="One of the caller's notifications.",
        responses={
            200: NotificationOutputSerializer,
            404: error_response("notification_not_found (also another customer's notification)"),
        },
    )
    def get(self, request: Request, notification_id: int) -> Response:
        notification = selectors.notification_get_for_customer(
            customer_id=customer_id_of(request), notification_id=notification_id
        )
        return Response(self.OutputSerializer(notification).data)
