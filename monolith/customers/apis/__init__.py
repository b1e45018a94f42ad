"""HTTP API of the customers context: sign-up and tokens, the profile and the address book."""

from monolith.customers.apis.addresses import AddressDetailApi, AddressListApi
from monolith.customers.apis.auth import JwksApi, RefreshApi, RegisterApi, TokenApi
from monolith.customers.apis.profile import MeApi

__all__ = [
    "AddressDetailApi",
    "AddressListApi",
    "JwksApi",
    "MeApi",
    "RefreshApi",
    "RegisterApi",
    "TokenApi",
]
