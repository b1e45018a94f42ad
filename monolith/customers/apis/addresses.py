"""The signed-in customer's address book: ``me/addresses``.

Another customer's address is a 404 ``address_not_found``, never a 403: its existence is not
revealed.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.customers import selectors, services
from monolith.customers.apis.common import CountryField, active_customer
from strangler.api import (
    ClosedInputSerializer,
    Pagination,
    StrictBooleanField,
    StrictCharField,
    error_response,
)
from strangler.idempotency.decorators import idempotent


class AddressOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "CustomerAddress"


class AddressInputSerializer(ClosedInputSerializer):
    full_name = StrictCharField(max_length=200, help_text="The recipient's name.")
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    city = StrictCharField(max_length=100)
    postal_code = StrictCharField(max_length=20)
    country = CountryField()
    is_default = StrictBooleanField(
        required=False, default=False, help_text="Make this the default address."
    )

    class Meta:
        ref_name = "CustomerAddressInput"


class AddressListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="me_addresses_list",
        tags=["me"],
        responses={200: AddressOutputSerializer(many=True), 401: error_response("invalid_token")},
    )
    def get(self, request: Request) -> Response:
        customer = active_customer(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.address_list(customer_id=customer.id), request, view=self
        )
        assert page is not None
        return paginator.get_paginated_response(AddressOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="me_addresses_create",
        tags=["me"],
        request=AddressInputSerializer,
        responses={
            201: AddressOutputSerializer,
            400: error_response("validation_error or malformed_request"),
            401: error_response("invalid_token"),
        },
    )
    @idempotent(scope="customers.address_create")
    def post(self, request: Request) -> Response:
        customer = active_customer(request)
        serializer = AddressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = services.address_create(customer_id=customer.id, **serializer.validated_data)
        return Response(AddressOutputSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailApi(APIView):
    @extend_schema(
        operation_id="me_addresses_retrieve",
        tags=["me"],
        responses={
            200: AddressOutputSerializer,
            401: error_response("invalid_token"),
            404: error_response("address_not_found (also for another customer's address)"),
        },
    )
    def get(self, request: Request, address_id: int) -> Response:
        customer = active_customer(request)
        address = selectors.address_get(customer_id=customer.id, address_id=address_id)
        return Response(AddressOutputSerializer(address).data)

    @extend_schema(
        operation_id="me_addresses_update",
        tags=["me"],
        request=AddressInputSerializer,
        responses={
            200: AddressOutputSerializer,
            400: error_response("validation_error or malformed_request"),
            401: error_response("invalid_token"),
            404: error_response("address_not_found (also for another customer's address)"),
            422: error_response(
                "default_address_required: is_default=false on the default address"
            ),
        },
    )
    def patch(self, request: Request, address_id: int) -> Response:
        customer = active_customer(request)
        selectors.address_get(customer_id=customer.id, address_id=address_id)  # 404 before 400
        serializer = AddressInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        address = services.address_update(
            customer_id=customer.id, address_id=address_id, **serializer.validated_data
        )
        return Response(AddressOutputSerializer(address).data)

    @extend_schema(
        operation_id="me_addresses_destroy",
        tags=["me"],
        responses={
            204: None,
            401: error_response("invalid_token"),
            404: error_response("address_not_found (also for another customer's address)"),
        },
    )
    def delete(self, request: Request, address_id: int) -> Response:
        customer = active_customer(request)
        services.address_delete(customer_id=customer.id, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
