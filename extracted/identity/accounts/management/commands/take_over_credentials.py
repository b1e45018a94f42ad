"""``manage.py take_over_credentials``: the service's first start takes the customers'
credentials over from the monolith.

Copies each customer's id, e-mail, password hash, active flag, last login and timestamps from
the monolith's ``customers_customer`` into this service's ``accounts_credential`` with
strangler.migrate's backfill (the admin role is nobody's yet), verifies the copy (counts and
checksums per key range) and records that the service owns them. Every later start finds that
record and copies nothing: the credentials are identity's own from then on.

The stage's set-up runs it after ``migrate`` and before the service starts serving.
"""

from __future__ import annotations

from strangler.migrate.plan import Move
from strangler.service.take_over import TakeOverCommand

CREDENTIALS = Move(
    table="accounts_credential",
    source_table="customers_customer",
    columns={
        "customer_id": "id",
        "email": "email",
        "password": "password",
        "is_active": "is_active",
        "last_login_at": "last_login_at",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
)


class Command(TakeOverCommand):
    help = "Copy and verify the customers' credentials from the monolith, once (the first start)."
    owner = "the identity service"
    rows = "the credentials"
    moves = (CREDENTIALS,)
