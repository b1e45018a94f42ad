"""Release 2 of the public stock read: the same answer for everyone, and for an admin's token
the orders holding the SKU's reserved units, so staff can see why stock is not available.

Release 2 runs as a deployment of its own (``SERVICE_RELEASE=2``, ``service/urls_v2.py``)
beside release 1; the gateway sends admin tokens to it, everyone else stays on release 1.
The body only grows (a field, for admins): no client of release 1 breaks.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from extracted.inventory.stock import selectors
from extracted.inventory.stock.apis import AvailabilityApi
from strangler.auth.drf import ADMIN


class HeldBySerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    expires_at = serializers.DateTimeField()

    class Meta:
        ref_name = "HeldBy"


class AvailabilityWithHoldsApi(AvailabilityApi):
    class OutputSerializer(AvailabilityApi.OutputSerializer):
        held_by = HeldBySerializer(
            many=True,
            required=False,
            help_text="For an admin's token only: the unpaid orders holding the reserved units, "
            "soonest to expire first.",
        )

        class Meta:
            ref_name = "AvailabilityWithHolds"

    @extend_schema(
        operation_id="inventory_retrieve",
        summary="Stock of one SKU (404 sku_not_found when there is no stock record); for an "
        "admin, the orders holding it",
        parameters=[OpenApiParameter("sku", str, OpenApiParameter.PATH)],
        responses={200: OutputSerializer},
        tags=["inventory"],
    )
    def get(self, request: Request, sku: str) -> Response:
        # release 1's body, serialized as release 1 does; the holds added for an admin
        body: dict[str, Any] = dict(
            AvailabilityApi.OutputSerializer(selectors.stock_get(sku=sku)).data
        )
        if _is_admin(request):
            holds = selectors.active_reservations(sku=sku)
            body["held_by"] = HeldBySerializer(holds, many=True).data
        return Response(body)


def _is_admin(request: Request) -> bool:
    has_role = getattr(request.user, "has_role", None)
    return bool(has_role and has_role(ADMIN))
