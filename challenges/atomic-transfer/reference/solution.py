"""atomic-transfer reference: lock both rows in id order, check, write, audit on commit."""

from __future__ import annotations

import functools
from decimal import Decimal

from bank import audit
from bank.models import Account
from django.db import transaction
from django.db.models import F


class InsufficientFunds(Exception):
    """The source account's balance is smaller than the amount."""


def transfer(from_id: int, to_id: int, amount: Decimal) -> None:
    if amount <= 0:
        raise ValueError("amount must be positive")
    if from_id == to_id:
        raise ValueError("cannot transfer to the same account")
    with transaction.atomic():
        # Lock both rows in a fixed (id) order so two opposite transfers cannot deadlock.
        locked = {a.id: a for a in Account.objects.select_for_update().filter(pk__in=[from_id, to_id]).order_by("id")}
        if from_id not in locked or to_id not in locked:
            raise Account.DoesNotExist(f"no account {from_id if from_id not in locked else to_id}")
        if locked[from_id].balance < amount:
            raise InsufficientFunds(f"account {from_id} has {locked[from_id].balance}, needs {amount}")
        Account.objects.filter(pk=from_id).update(balance=F("balance") - amount)
        Account.objects.filter(pk=to_id).update(balance=F("balance") + amount)
        transaction.on_commit(functools.partial(audit.record, from_id, to_id, amount))


def transfer_many(transfers: list[tuple]) -> list[bool]:
    done: list[bool] = []
    with transaction.atomic():
        for from_id, to_id, amount in transfers:
            try:
                with transaction.atomic():  # a savepoint: a failure undoes only this transfer
                    transfer(from_id, to_id, amount)
            except (InsufficientFunds, ValueError, Account.DoesNotExist):
                done.append(False)
            else:
                done.append(True)
    return done
