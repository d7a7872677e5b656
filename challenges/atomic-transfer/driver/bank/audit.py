"""The audit log of the atomic-transfer challenge.

A committed transfer must lead to exactly one call of `record(from_id, to_id, amount)`,
made through `django.db.transaction.on_commit`. The grader reads ENTRIES.
"""

from decimal import Decimal

ENTRIES: list[dict] = []


def record(from_id, to_id, amount) -> None:
    from django.db import connection

    ENTRIES.append(
        {
            "from": from_id,
            "to": to_id,
            "amount": str(Decimal(amount).quantize(Decimal("0.01"))),
            # on_commit callbacks run after the outermost commit, outside any atomic block.
            "in_transaction": bool(connection.in_atomic_block),
        }
    )
