from django.urls import path

from monolith.orders import apis

urlpatterns = [
    path("cart", apis.CartApi.as_view(), name="cart"),
    path("cart/items", apis.CartItemsApi.as_view(), name="cart-items"),
    path("cart/items/<str:sku>", apis.CartItemApi.as_view(), name="cart-item"),
    path("checkout", apis.CheckoutApi.as_view(), name="checkout"),
    path("orders", apis.OrderListApi.as_view(), name="order-list"),
    path("orders/<int:order_id>", apis.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:order_id>/cancel", apis.OrderCancelApi.as_view(), name="order-cancel"),
]
