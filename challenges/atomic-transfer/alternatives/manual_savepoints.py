# alternative: transfer_many uses the explicit savepoint API (savepoint / savepoint_rollback / savepoint_commit)
"""atomic-transfer: validation helper, explicit savepoint API, audit via on_commit with a default-arg closure."""

from __future__ import annotations

from decimal import Decimal

from bank import audit
from bank.models import Account
from django.db import transaction


class InsufficientFunds(Exception):
    def __init__(self, account_id, balance, amount):
        super().__init__(f"account {account_id}: balance {balance} < {amount}")
        self.account_id = account_id


def _validate(from_id, to_id, amount):
    if amount <= Decimal(0):
        raise ValueError(f"amount must be > 0, got {amount}")
    if from_id == to_id:
        raise ValueError("from and to are the same account")


@transaction.atomic
def transfer(from_id, to_id, amount):
    _validate(from_id, to_id, amount)
    accounts = list(Account.objects.filter(id__in=(from_id, to_id)).order_by("pk").select_for_update())
    by_id = {a.pk: a for a in accounts}
    try:
        src, dst = by_id[from_id], by_id[to_id]
    except KeyError as missing:
        raise Account.DoesNotExist(f"account {missing} does not exist") from None
    if src.balance < amount:
        raise InsufficientFunds(from_id, src.balance, amount)
    Account.objects.filter(pk=src.pk).update(balance=src.balance - amount)
    Account.objects.filter(pk=dst.pk).update(balance=dst.balance + amount)
    transaction.on_commit(lambda f=from_id, t=to_id, a=amount: audit.record(f, t, a))


def transfer_many(transfers):
    outcome = []
    with transaction.atomic():
        for from_id, to_id, amount in transfers:
            sid = transaction.savepoint()
            try:
                transfer(from_id, to_id, amount)
            except (InsufficientFunds, ValueError, Account.DoesNotExist):
                transaction.savepoint_rollback(sid)
                outcome.append(False)
            else:
                transaction.savepoint_commit(sid)
                outcome.append(True)
    return outcome
