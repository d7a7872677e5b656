# wrong: transfer_many has no transaction of its own: in autocommit each transfer commits and is audited alone
# max-percent: 85
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
        rows = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[from_id, to_id]).order_by("pk")}
        if from_id not in rows or to_id not in rows:
            raise Account.DoesNotExist("no such account")
        src, dst = rows[from_id], rows[to_id]
        if src.balance < amount:
            raise InsufficientFunds(str(from_id))
        src.balance -= amount
        dst.balance += amount
        src.save(update_fields=["balance"])
        dst.save(update_fields=["balance"])
        transaction.on_commit(functools.partial(audit.record, from_id, to_id, amount))


def transfer_many(transfers):
    done = []
    for from_id, to_id, amount in transfers:
        try:
            transfer(from_id, to_id, amount)  # its own atomic block: a savepoint only inside a caller's block
        except (InsufficientFunds, ValueError, Account.DoesNotExist):
            done.append(False)
        else:
            done.append(True)
    return done
