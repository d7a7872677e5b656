# wrong: no atomic block (so no row lock: plain get()), debits the source before finding the destination
# max-percent: 75
from __future__ import annotations

import functools

from bank import audit
from bank.models import Account
from django.db import transaction
from django.db.models import F


class InsufficientFunds(Exception):
    pass


def transfer(from_id, to_id, amount):
    if amount <= 0 or from_id == to_id:
        raise ValueError("bad transfer")
    src = Account.objects.get(pk=from_id)
    if src.balance < amount:
        raise InsufficientFunds(str(from_id))
    Account.objects.filter(pk=from_id).update(balance=F("balance") - amount)
    dst = Account.objects.get(pk=to_id)
    Account.objects.filter(pk=dst.pk).update(balance=F("balance") + amount)
    transaction.on_commit(functools.partial(audit.record, from_id, to_id, amount))


def transfer_many(transfers):
    done = []
    with transaction.atomic():
        for from_id, to_id, amount in transfers:
            try:
                transfer(from_id, to_id, amount)
            except (InsufficientFunds, ValueError, Account.DoesNotExist):
                done.append(False)
            else:
                done.append(True)
    return done
