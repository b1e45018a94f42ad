from django.urls import path

from monolith.customers import apis

urlpatterns = [
    path("auth/register", apis.RegisterApi.as_view(), name="customers-register"),
    path("auth/token", apis.TokenApi.as_view(), name="customers-token"),
    path("auth/refresh", apis.RefreshApi.as_view(), name="customers-refresh"),
    path("auth/jwks.json", apis.JwksApi.as_view(), name="customers-jwks"),
    path("me", apis.MeApi.as_view(), name="customers-me"),
    path("me/addresses", apis.AddressListApi.as_view(), name="customers-address-list"),
    path(
        "me/addresses/<int:address_id>",
        apis.AddressDetailApi.as_view(),
        name="customers-address-detail",
    ),
]
