"""The catalog's public, read-only HTTP API."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.catalog import selectors
from strangler.api import Pagination


class _CategoryRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()

    class Meta:
        ref_name = "CategoryRef"


class CategoryListApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        slug = serializers.SlugField()
        name = serializers.CharField()
        description = serializers.CharField()
        product_count = serializers.IntegerField(source="active_product_count")

        class Meta:
            ref_name = "Category"

    @extend_schema(
        operation_id="categories_list",
        summary="Every category with its number of active products",
        responses={200: OutputSerializer(many=True)},
        tags=["catalog"],
    )
    def get(self, request: Request) -> Response:
        categories = selectors.category_list()
        return Response(self.OutputSerializer(categories, many=True).data)


class ProductOutputSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    description = serializers.CharField()
    category = _CategoryRefSerializer()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()

    class Meta:
        ref_name = "Product"


class ProductListApi(APIView):
    permission_classes = [AllowAny]
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        category = serializers.SlugField(
            required=False, help_text="Only products in the category with this slug."
        )
        q = serializers.CharField(
            required=False,
            max_length=100,
            help_text="Case-insensitive text searched in the name and the description.",
        )

    OutputSerializer = ProductOutputSerializer

    @extend_schema(
        operation_id="products_list",
        summary="Active products, paginated, optionally filtered by category and text",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True)},
        tags=["catalog"],
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        products = selectors.product_list(**filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(products, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class ProductDetailApi(APIView):
    permission_classes = [AllowAny]

    OutputSerializer = ProductOutputSerializer

    @extend_schema(
        operation_id="products_retrieve",
        summary="One active product (404 product_not_found when unknown or inactive)",
        parameters=[OpenApiParameter("sku", str, OpenApiParameter.PATH)],
        responses={200: OutputSerializer},
        tags=["catalog"],
    )
    def get(self, request: Request, sku: str) -> Response:
        product = selectors.product_get_active(sku=sku)
        return Response(self.OutputSerializer(product).data)


class BestSellerListApi(APIView):
    permission_classes = [AllowAny]
    pagination_class = Pagination

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        name = serializers.CharField()
        slug = serializers.SlugField()
        units_sold = serializers.IntegerField(min_value=1)

        class Meta:
            ref_name = "BestSeller"

    @extend_schema(
        operation_id="products_best_sellers",
        summary="Active products by units ordered, most first (counted from the order events)",
        responses={200: OutputSerializer(many=True)},
        tags=["catalog"],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.best_sellers(), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
