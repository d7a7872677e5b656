"""Driver for atomic-transfer, run in the worker next to the submission.

Two ways in. `transfer`, `transfer_many`, `in_caller_block` and `run` only call the submission's
functions and report each outcome as plain values: ["ok", value] or ["error", exception class
name]. The hidden tests load the accounts, inject faults (owner-side triggers), hold competing row
locks and read the balances and the audit rows themselves, as the database's owner, on the
grader's PostgreSQL server: nothing observed in this process decides a grade there.

`scenario` starts from exactly the given accounts in this process, runs the actions (the
submission's transactions really commit, so on_commit callbacks run) and reads the balances and
the audit entries back: the visible examples use it, in the grader and in the candidate's hand-out
(SQLite) alike. The expected values live in the tests, not here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import djangokit

djangokit.setup("bank")

import solution  # noqa: E402
from bank import audit  # noqa: E402
from bank.models import Account, AuditEntry  # noqa: E402
from django.db import transaction  # noqa: E402  (Django is usable only after setup)

_CALLER_BLOCKS = {"atomic_commit": "commit", "atomic_rollback": "rollback", "atomic_raise": "raise"}


def _call(fn, *args) -> list:
    try:
        return ["ok", djangokit.plain(fn(*args))]
    except Exception as exc:  # the class name is the observation
        return ["error", type(exc).__name__]


def _transfers(transfers) -> list[tuple[int, int, Decimal]]:
    return [(from_id, to_id, Decimal(amount)) for from_id, to_id, amount in transfers]


class _CallerFailed(Exception):
    """The caller's own code fails after the transfers (leaves its atomic block by an exception)."""


def _caller_block(ending: str, actions, report_audit: bool) -> dict[str, Any]:
    if ending not in ("commit", "rollback", "raise"):
        raise ValueError(f"unknown ending {ending!r}")
    inner: list[Any] = []
    audit_inside = None
    before = len(audit.ENTRIES)
    try:
        with transaction.atomic():
            inner = [_act(action, report_audit) for action in actions]
            audit_inside = len(audit.ENTRIES) - before
            if ending == "rollback":
                transaction.set_rollback(True)
            if ending == "raise":
                raise _CallerFailed("caller failed after the transfers")
    except _CallerFailed:
        pass
    return {"inner": inner, "audit_inside": audit_inside} if report_audit else {"inner": inner}


def _act(action: list, report_audit: bool = False) -> list:
    kind = action[0]
    if kind == "transfer":
        _, from_id, to_id, amount = action
        return _call(solution.transfer, from_id, to_id, Decimal(amount))
    if kind == "many":
        return _call(solution.transfer_many, _transfers(action[1]))
    if kind in _CALLER_BLOCKS:
        return ["ok", _caller_block(_CALLER_BLOCKS[kind], action[1], report_audit)]
    raise ValueError(f"unknown action {kind!r}")


# ---------------------------------------------------------------- hidden tests: calls only


def transfer(from_id: int, to_id: int, amount: str) -> list:
    """`solution.transfer(from_id, to_id, Decimal(amount))`: ["ok", result] or ["error", class name]."""
    return _call(solution.transfer, from_id, to_id, Decimal(amount))


def transfer_many(transfers: list) -> list:
    """`solution.transfer_many([(from_id, to_id, Decimal(amount)), ...])`: ["ok", list] or ["error", name]."""
    return _call(solution.transfer_many, _transfers(transfers))


def in_caller_block(ending: str, actions: list) -> dict[str, Any]:
    """Run `actions` (see `run`) inside the caller's own atomic block, which then commits
    ("commit"), is marked for rollback ("rollback") or is left by an exception ("raise");
    {"inner": [results]}."""
    return _caller_block(ending, actions, report_audit=False)


def run(actions: list) -> list:
    """Run the actions in order, outside any transaction; one result per action.

    Actions: ["transfer", from_id, to_id, "amount"], ["many", [[from_id, to_id, "amount"], ...]],
    ["atomic_commit" | "atomic_rollback" | "atomic_raise", [actions]] (the caller's own block, see
    `in_caller_block`; its result is ["ok", {"inner": [results]}]).
    """
    return [_act(action) for action in actions]


def exception_info() -> dict[str, Any]:
    cls = getattr(solution, "InsufficientFunds", None)
    is_class = isinstance(cls, type) and issubclass(cls, Exception)
    return {"is_exception_class": is_class, "mro": [c.__name__ for c in cls.__mro__] if is_class else []}


# ---------------------------------------------------------------- visible examples: in this process


def _balances() -> dict[int, str]:
    return {a.id: str(a.balance) for a in Account.objects.order_by("id")}


def scenario(accounts=(), actions=()) -> dict[str, Any]:
    """Start from exactly `accounts` ([{"id", "owner", "balance": "10.00"}]), run `actions` (see
    `run`; a caller block's result also has "audit_inside", the audit entries made before the block
    ended) and report {"results": [...], "balances": {id: "x.xx"}, "audit": [entries]}."""
    djangokit.reset_tables(Account, AuditEntry)
    audit.ENTRIES.clear()
    djangokit.load(Account, [dict(a, balance=Decimal(a["balance"])) for a in accounts])
    results = [_act(action, report_audit=True) for action in actions]
    return {
        "results": results,
        "balances": _balances(),
        "audit": [dict(entry) for entry in audit.ENTRIES],
    }
