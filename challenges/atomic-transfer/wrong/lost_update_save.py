# wrong: reads both balances without select_for_update(), computes in Python and saves: a lost update
# max-percent: 88
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
        src = Account.objects.get(pk=from_id)
        dst = Account.objects.get(pk=to_id)
        if src.balance < amount:
            raise InsufficientFunds(str(from_id))
        src.balance -= amount
        dst.balance += amount
        src.save(update_fields=["balance"])
        dst.save(update_fields=["balance"])
        transaction.on_commit(functools.partial(audit.record, from_id, to_id, amount))


def transfer_many(transfers):
    done = []
    with transaction.atomic():
        for from_id, to_id, amount in transfers:
            try:
                with transaction.atomic():
                    transfer(from_id, to_id, amount)
            except (InsufficientFunds, ValueError, Account.DoesNotExist):
                done.append(False)
            else:
                done.append(True)
    return done
