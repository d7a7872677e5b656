"""The audit log of the atomic-transfer challenge.

A committed transfer must lead to exactly one call of `record(from_id, to_id, amount)`, made
through `django.db.transaction.on_commit`.

The log stands for a system outside the bank's database (a mail, a message queue): an entry is
written at once and never taken back, whatever happens to the transaction of the code that called
`record`. On PostgreSQL (the grader) the entry is a row of `bank_auditentry` inserted on a
connection of the log's own, in autocommit, so it stays even when the caller's transaction is
rolled back; the grader reads the rows from outside the worker. Every entry is also appended to
ENTRIES, which the examples of the hand-out read (on SQLite, in the candidate's own process).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

ENTRIES: list[dict] = []

_own_connection: Any = None


def record(from_id, to_id, amount) -> None:
    from django.db import connection

    value = Decimal(amount).quantize(Decimal("0.01"))
    ENTRIES.append(
        {
            "from": from_id,
            "to": to_id,
            "amount": str(value),
            # on_commit callbacks run after the outermost commit, outside any atomic block.
            "in_transaction": bool(connection.in_atomic_block),
        }
    )
    if connection.vendor == "postgresql":
        _write(from_id, to_id, value)


def _write(from_id, to_id, amount: Decimal) -> None:
    """Insert the entry on the log's own connection (autocommit: it is committed at once)."""
    global _own_connection
    from django.db import connections

    from bank.models import AuditEntry

    if _own_connection is None:
        _own_connection = connections.create_connection("default")
    table = _own_connection.ops.quote_name(AuditEntry._meta.db_table)
    with _own_connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (from_id, to_id, amount) VALUES (%s, %s, %s)", [from_id, to_id, amount])
