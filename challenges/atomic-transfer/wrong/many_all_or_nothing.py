# wrong: transfer_many runs everything in one atomic block without savepoints: one failure undoes all
# max-percent: 75
from __future__ import annotations

import functools

from bank import audit
from bank.models import Account
from django.db import transaction


class InsufficientFunds(Exception):
    pass


def transfer(from_id, to_id, amount):
    if amount <= 0 or from_id == to_id:
        raise ValueError("bad transfer")
    with transaction.atomic():
        src = Account.objects.select_for_update().get(pk=from_id)
        dst = Account.objects.select_for_update().get(pk=to_id)
        if src.balance < amount:
            raise InsufficientFunds(str(from_id))
        src.balance -= amount
        dst.balance += amount
        src.save(update_fields=["balance"])
        dst.save(update_fields=["balance"])
        transaction.on_commit(functools.partial(audit.record, from_id, to_id, amount))


def transfer_many(transfers):
    try:
        with transaction.atomic():
            for from_id, to_id, amount in transfers:
                transfer(from_id, to_id, amount)
    except (InsufficientFunds, ValueError, Account.DoesNotExist):
        return [False] * len(transfers)
    return [True] * len(transfers)
