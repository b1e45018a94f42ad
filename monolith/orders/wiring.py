"""The ports of the orders context, each named by the setting that chooses its adapter.

The process's composition root builds the adapters once at start-up (``monolith.shop.bootstrap``);
orders asks it for them: ``root.get(INVENTORY).reserve(...)``.
"""

from __future__ import annotations

from monolith.orders.ports import InventoryPort, OrderEventsPort, PaymentsPort
from strangler.composition import Port

INVENTORY: Port[InventoryPort] = Port("ORDERS_INVENTORY_ADAPTER", InventoryPort)
PAYMENTS: Port[PaymentsPort] = Port("ORDERS_PAYMENTS_ADAPTER", PaymentsPort)
EVENTS: Port[OrderEventsPort] = Port("ORDERS_EVENTS_ADAPTER", OrderEventsPort)

PORTS = (INVENTORY, PAYMENTS, EVENTS)
