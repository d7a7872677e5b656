"""atomic-transfer: see prompt.md for the rules the grader checks."""

from __future__ import annotations

from decimal import Decimal

from bank import audit  # noqa: F401  (audit.record(from_id, to_id, amount) through on_commit)
from bank.models import Account  # noqa: F401


class InsufficientFunds(Exception):
    """Raised when the source account's balance is smaller than the amount."""


def transfer(from_id: int, to_id: int, amount: Decimal) -> None:
    """Move `amount` from one account to the other atomically (both rows or neither).

    ValueError for amount <= 0 or from_id == to_id; Account.DoesNotExist for a missing account;
    InsufficientFunds when the balance is short. Rows read with select_for_update(); on success,
    audit.record(from_id, to_id, amount) is registered with transaction.on_commit.
    """
    raise NotImplementedError


def transfer_many(transfers: list[tuple]) -> list[bool]:
    """Apply each (from_id, to_id, amount) in its own savepoint; return which succeeded."""
    raise NotImplementedError
