"""Fixtures for tests that run the monolith with inventory and payments in process, as stages 0
to 3 do (the root conftest.py loads them where the tree holds this module). Stage 4 retires
it with the monolith's inventory and payments contexts, and with the tests that use it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def in_process_inventory() -> Iterator[None]:
    """Orders reach the stock in process, as at stages 0 to 2: for tests that run the monolith
    without the inventory service (from stage 3 on the tree's default adapter reserves over
    HTTP, and the e2e suites start the service)."""
    from monolith.orders.in_process_inventory import InProcessInventory
    from monolith.orders.wiring import INVENTORY
    from strangler.composition import root  # imported once Django is set up

    with root.replaced(INVENTORY, InProcessInventory()):
        yield


@pytest.fixture
def in_process_payments() -> Iterator[None]:
    """Orders charge and refund in process (and payments assesses fraud with its own rules), as
    at stages 0 to 3: for tests that run the monolith without the payments service (from stage
    4 on the tree's default adapter charges over HTTP)."""
    from monolith.orders.in_process_payments import InProcessPayments
    from monolith.orders.wiring import PAYMENTS
    from strangler.composition import root

    with root.replaced(PAYMENTS, InProcessPayments()):
        yield
