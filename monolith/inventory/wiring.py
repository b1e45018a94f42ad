"""The port of the inventory context, named by the setting that chooses its adapter.

The process's composition root builds the adapter once at start-up (``monolith.shop.bootstrap``);
inventory asks it for it: ``root.get(EVENTS).stock_reserved(...)``.
"""

from __future__ import annotations

from monolith.inventory.ports import StockEventsPort
from strangler.composition import Port

EVENTS: Port[StockEventsPort] = Port("INVENTORY_EVENTS_ADAPTER", StockEventsPort)

PORTS = (EVENTS,)
