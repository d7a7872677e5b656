# alternative: locks the two rows one by one in id order with get(), saves with update_fields, audits via lambda
"""atomic-transfer: instance-level arithmetic after per-row locks; transfer_many as a decorated atomic function."""

from __future__ import annotations

from decimal import Decimal

from bank import audit
from bank.models import Account
from django.db import transaction


class InsufficientFunds(ValueError):
    pass


def transfer(from_id, to_id, amount: Decimal) -> None:
    if not amount > 0:
        raise ValueError("amount must be positive")
    if from_id == to_id:
        raise ValueError("same account")
    with transaction.atomic():
        rows = {}
        for pk in sorted((from_id, to_id)):
            rows[pk] = Account.objects.select_for_update().get(pk=pk)
        src, dst = rows[from_id], rows[to_id]
        if src.balance - amount < 0:
            raise InsufficientFunds(from_id)
        src.balance -= amount
        dst.balance += amount
        src.save(update_fields=["balance"])
        dst.save(update_fields=["balance"])
        transaction.on_commit(lambda: audit.record(from_id, to_id, amount))


@transaction.atomic
def transfer_many(transfers: list[tuple]) -> list[bool]:
    results = []
    for from_id, to_id, amount in transfers:
        try:
            with transaction.atomic():
                transfer(from_id, to_id, amount)
        except (ValueError, Account.DoesNotExist):
            results.append(False)
        else:
            results.append(True)
    return results
