"""The ports of the payments context, each named by the setting that chooses its adapter.

The service's composition root builds the adapters once at start-up
(``extracted.payments.charges.bootstrap``);
payments asks it for them: ``root.get(CARD_PROCESSOR).charge(...)``.
"""

from __future__ import annotations

from extracted.payments.charges.ports import FraudCheck, OrderBook, PaymentEventsPort
from extracted.payments.charges.processor import CardProcessor
from strangler.composition import Port

ORDER_BOOK: Port[OrderBook] = Port("PAYMENTS_ORDER_BOOK", OrderBook)
EVENTS: Port[PaymentEventsPort] = Port("PAYMENTS_EVENTS_ADAPTER", PaymentEventsPort)
CARD_PROCESSOR: Port[CardProcessor] = Port("PAYMENTS_CARD_PROCESSOR", CardProcessor)
FRAUD: Port[FraudCheck] = Port("PAYMENTS_FRAUD_ADAPTER", FraudCheck)

PORTS = (ORDER_BOOK, EVENTS, CARD_PROCESSOR, FRAUD)
