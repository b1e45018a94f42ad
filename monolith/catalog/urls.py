from django.urls import path

from monolith.catalog.apis import CategoryListApi, ProductDetailApi, ProductListApi

urlpatterns = [
    path("categories", CategoryListApi.as_view(), name="catalog-categories"),
    path("products", ProductListApi.as_view(), name="catalog-products"),
    path("products/<str:sku>", ProductDetailApi.as_view(), name="catalog-product-detail"),
]
