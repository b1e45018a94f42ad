from django.urls import path

from extracted.analytics.sales import apis

urlpatterns = [
    path("analytics/sales/daily", apis.DailySalesApi.as_view(), name="sales-daily"),
    path("analytics/sales/products", apis.ProductSalesApi.as_view(), name="sales-products"),
    path("analytics/sales/totals", apis.SalesTotalsApi.as_view(), name="sales-totals"),
    path("analytics/orders/daily", apis.OrdersPlacedApi.as_view(), name="orders-daily"),
]
