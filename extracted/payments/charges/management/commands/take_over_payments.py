"""``manage.py take_over_payments``: the service's first start takes the monolith's payments over.

Copies ``payments_payment`` and ``payments_refund`` from the monolith's database into this
service's with strangler.migrate's backfill, verifies the copy (counts and checksums per key
range) and records that the service owns them. Every later start finds that record, says so
and copies nothing: the service's payments are its own from then on. Ids keep their values (a
customer's link to a payment keeps working, a refund keeps its payment); the service issues its
own from 10**12 up, so rows made on either side never collide (a learner going back a stage
writes to the monolith's tables again).

The stage's set-up runs it after ``migrate`` and before any of the service's processes start.
"""

from __future__ import annotations

from strangler.service.take_over import TakeOverCommand


class Command(TakeOverCommand):
    help = "Copy and verify the monolith's payments and refunds, once (the first start)."
    owner = "the payments service"
    rows = "its payments"
    tables = ("payments_payment", "payments_refund")
