"""The ports of the customers context, each named by the setting that chooses its adapter
(built once at start-up by ``monolith.shop.bootstrap``)."""

from __future__ import annotations

from monolith.customers.ports import Credentials
from strangler.composition import Port

CREDENTIALS: Port[Credentials] = Port("CUSTOMERS_CREDENTIALS_ADAPTER", Credentials)

PORTS = (CREDENTIALS,)
