"""The in-process OrderBook adapter translates orders' interface into payments' port.

The orders interface is replaced by a stand-in module here, so this test pins the adapter's
behaviour whatever state the orders context is in.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from decimal import Decimal

import pytest

from monolith.payments import errors
from monolith.payments.adapters import InProcessOrderBook
from monolith.payments.ports import PayableOrder
from monolith.payments.wiring import ORDER_BOOK
from strangler.composition import root
from strangler.errors import Conflict, NotFound


class _OrderNotFound(NotFound):
    code = "order_not_found"


class _OrderNotPayable(Conflict):
    code = "order_not_payable"


@dataclass(frozen=True)
class _PayableOrder:
    order_id: int
    customer_id: int
    status: str
    total: Decimal
    currency: str


@pytest.fixture
def orders(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    calls: list[tuple[int, int]] = []

    def get_payable_order(*, order_id: int, customer_id: int) -> _PayableOrder:
        if customer_id != 42:
            raise _OrderNotFound("Order not found.", order_id=order_id)
        return _PayableOrder(order_id, customer_id, "pending", Decimal("12.00"), "EUR")

    def confirm_payment(*, order_id: int, payment_id: int) -> None:
        if order_id == 2:
            raise _OrderNotPayable("Order is cancelled.", order_id=order_id)
        calls.append((order_id, payment_id))

    module = types.ModuleType("monolith.orders.interface")
    module.__dict__.update(
        OrderNotFound=_OrderNotFound,
        OrderNotPayable=_OrderNotPayable,
        get_payable_order=get_payable_order,
        confirm_payment=confirm_payment,
    )
    monkeypatch.setitem(sys.modules, "monolith.orders.interface", module)
    return types.SimpleNamespace(calls=calls)


def test_the_in_process_adapter_is_the_default() -> None:
    assert isinstance(root.get(ORDER_BOOK), InProcessOrderBook)


def test_the_order_is_mapped_to_the_ports_value(orders: types.SimpleNamespace) -> None:
    order = InProcessOrderBook().get_payable_order(order_id=1, customer_id=42)

    assert order == PayableOrder(
        order_id=1, customer_id=42, status="pending", total=Decimal("12.00"), currency="EUR"
    )


def test_orders_refusals_become_the_ports_errors(orders: types.SimpleNamespace) -> None:
    book = InProcessOrderBook()

    with pytest.raises(errors.OrderNotFound) as not_found:
        book.get_payable_order(order_id=1, customer_id=7)
    with pytest.raises(errors.OrderNotPayable) as not_payable:
        book.confirm_payment(order_id=2, payment_id=5)

    assert not_found.value.details == {"order_id": 1}
    assert not_payable.value.code == "order_not_payable"


def test_confirm_payment_is_passed_through(orders: types.SimpleNamespace) -> None:
    InProcessOrderBook().confirm_payment(order_id=1, payment_id=5)

    assert orders.calls == [(1, 5)]
