"""``python -m tests.faults.shop N``: N real, paid checkouts through the orders context.

Run as a separate process with the monolith's environment (its database, its settings): the
same code path the checkout API runs, without the HTTP layer, writing the orders' events to
their outbox in the checkout's transaction. The stock and the charge are fakes behind the
orders' ports (the rigs test the events' way out, not inventory or payments, which are
services of their own from stages 3 and 4 on). Prints the order ids as JSON.
"""

from __future__ import annotations

import json
import os
import sys


def main(count: int) -> list[int]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")
    import django

    django.setup()
    from monolith.catalog import interface as catalog
    from monolith.customers import interface as customers
    from monolith.orders import services
    from monolith.orders.tests.fakes import FakeInventory, FakePayments
    from monolith.orders.wiring import INVENTORY, PAYMENTS
    from strangler.composition import root

    customer = customers.seed_demo_customer()
    sku = catalog.seed_demo_catalog()[0].sku
    inventory = FakeInventory()
    inventory.on_hand[sku] = 1_000_000
    ids = []
    with root.replaced(INVENTORY, inventory), root.replaced(PAYMENTS, FakePayments()):
        for _ in range(count):
            services.cart_item_add(customer_id=customer.customer_id, sku=sku, quantity=1)
            result = services.order_checkout(
                customer_id=customer.customer_id, card_token="tok_visa"
            )
            if not result.approved:
                raise SystemExit(f"checkout declined: {result.payment.decline_reasons}")
            ids.append(result.order.pk)
    return ids


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
