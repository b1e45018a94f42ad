"""``manage.py take_over_stock``: the service's first start takes the monolith's stock over.

Copies ``inventory_stockitem`` and ``inventory_reservation`` from the monolith's database into
this service's with strangler.migrate's backfill, verifies the copy (counts and checksums per
key range) and records that the service owns them. Every later start finds that record, says
so and copies nothing: the service's stock is its own from then on. Ids keep their values (an
order's reservation keeps its id); the service issues its own from 10**12 up, so rows made on
either side never collide (a learner going back a stage writes to the monolith's tables again).

The stage's set-up runs it after ``migrate`` and before any of the service's processes start;
a running shop moves its stock with the runbook instead (docs/migrating-data.md).
"""

from __future__ import annotations

from strangler.service.take_over import TakeOverCommand


class Command(TakeOverCommand):
    help = "Copy and verify the monolith's stock and reservations, once (the first start)."
    owner = "the inventory service"
    rows = "its stock"
    tables = ("inventory_stockitem", "inventory_reservation")
