"""Adapters behind the customers ports: the credential in process."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from monolith.customers.models import Customer
from monolith.customers.ports import NewAccount
from strangler.auth.tokens import TokenPair, issue_pair


class InProcessCredentials:
    """Stages 0 to 4: the password hash on the customer's row, the tokens signed here."""

    def kept_here(self) -> bool:
        return True

    def create(self, account: NewAccount) -> TokenPair:
        Customer.objects.filter(id=account.customer_id).update(
            password=make_password(account.password)
        )
        return issue_pair(str(account.customer_id), email=account.email)

    def discard(self, account: NewAccount) -> bool:
        return False  # the hash was on the customer's row: the rollback took it away
