from django.urls import path

from monolith.catalog.apis import (
    BestSellerListApi,
    CategoryListApi,
    ProductDetailApi,
    ProductListApi,
)

urlpatterns = [
    path("categories", CategoryListApi.as_view(), name="catalog-categories"),
    path("products", ProductListApi.as_view(), name="catalog-products"),
    # before the detail route, which would take "best-sellers" for a SKU
    path("products/best-sellers", BestSellerListApi.as_view(), name="catalog-best-sellers"),
    path("products/<str:sku>", ProductDetailApi.as_view(), name="catalog-product-detail"),
]
