"""Driver for atomic-transfer, run in the worker next to the submission.

on_commit callbacks only run on a real commit, so each scenario starts from
empty tables (djangokit.reset_tables) and lets the submission's transactions
really commit, as a TransactionTestCase would. Each action is reported as plain
values: ["ok", value] or ["error", class name], with a trace of the statements
it ran ({"sql", "lock", "in_atomic"}), where "lock" says the statement came
from a queryset marked select_for_update() (SQLite has no FOR UPDATE clause, so
Django leaves it out of the SQL; the mark on the query is what can be seen).
The expected values live in the hidden tests, not here.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import djangokit

djangokit.setup("bank")

from django.db import OperationalError, connection, transaction  # noqa: E402
from django.db.models.sql import compiler as sql_compiler  # noqa: E402

from bank import audit  # noqa: E402
from bank.models import Account  # noqa: E402

import solution  # noqa: E402

_WRITES = ("UPDATE", "INSERT", "DELETE", "REPLACE")
_state = threading.local()


def _original_execute_sql():
    return sql_compiler.SQLCompiler.__dict__["execute_sql"]


_ORIGINAL = _original_execute_sql()


def _marking_execute_sql(self, *args, **kwargs):
    """Note whether the statement about to run comes from a select_for_update() queryset."""
    previous = getattr(_state, "lock", False)
    _state.lock = bool(getattr(self.query, "select_for_update", False))
    try:
        return _ORIGINAL(self, *args, **kwargs)
    finally:
        _state.lock = previous


sql_compiler.SQLCompiler.execute_sql = _marking_execute_sql


class _Trace:
    """execute_wrapper recording every data statement; optionally fails the n-th write."""

    def __init__(self, fail_write: int | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail_write = fail_write
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        text = str(sql)
        if djangokit.is_transaction_control(text):
            return execute(sql, params, many, context)
        is_write = text.lstrip().split(None, 1)[0].upper() in _WRITES
        self.events.append(
            {
                "sql": text,
                "lock": bool(getattr(_state, "lock", False)),
                "write": is_write,
                "in_atomic": bool(connection.in_atomic_block),
            }
        )
        if is_write:
            self.writes += 1
            if self.fail_write is not None and self.writes == self.fail_write:
                raise OperationalError("disk I/O error (injected by the grader)")
        return execute(sql, params, many, context)


def _money(value: str) -> Decimal:
    return Decimal(value)


def _call(fn, *args) -> list:
    try:
        return ["ok", djangokit.plain(fn(*args))]
    except Exception as exc:  # noqa: BLE001 - the class name is the observation
        return ["error", type(exc).__name__]


def _run(action: list, trace: _Trace) -> dict[str, Any]:
    kind = action[0]
    if kind == "transfer":
        _, from_id, to_id, amount = action
        result = _call(solution.transfer, from_id, to_id, _money(amount))
    elif kind == "many":
        transfers = [(f, t, _money(a)) for f, t, a in action[1]]
        result = _call(solution.transfer_many, transfers)
    elif kind in ("atomic_commit", "atomic_rollback", "atomic_raise"):
        inner: list[Any] = []
        audit_inside = None
        before = len(audit.ENTRIES)
        try:
            with transaction.atomic():
                inner = [_run(sub, trace)["result"] for sub in action[1]]
                audit_inside = len(audit.ENTRIES) - before
                if kind == "atomic_rollback":
                    transaction.set_rollback(True)
                if kind == "atomic_raise":
                    raise LookupError("caller failed after the transfers")
        except LookupError:
            pass
        result = ["ok", {"inner": inner, "audit_inside": audit_inside}]
    else:
        raise ValueError(f"unknown action {kind!r}")
    return {"result": result}


def _balances() -> dict[int, str]:
    return {a.id: str(a.balance) for a in Account.objects.order_by("id")}


def scenario(accounts=(), actions=(), fail_write: int | None = None) -> dict[str, Any]:
    """Start from exactly `accounts` ([{"id", "owner", "balance": "10.00"}]), run `actions` in order
    outside any transaction (each commits for real), and report
    {"results": [...], "balances": {id: "x.xx"}, "audit": [entries], "events": [statements]}.

    Actions: ["transfer", from_id, to_id, "amount"], ["many", [[from_id, to_id, "amount"], ...]],
    ["atomic_commit" | "atomic_rollback" | "atomic_raise", [actions]] (run the inner actions in the
    caller's own atomic block that then commits / is rolled back / is left by an exception;
    its result is {"inner": [results], "audit_inside": audit entries added before the block ended}).
    `fail_write`: the n-th write statement (1-based) raises OperationalError, as a crashed disk would.
    """
    djangokit.reset_tables(Account)
    audit.ENTRIES.clear()
    djangokit.load(Account, [dict(a, balance=Decimal(a["balance"])) for a in accounts])
    trace = _Trace(fail_write)
    results = []
    with connection.execute_wrapper(trace):
        for action in actions:
            results.append(_run(action, trace)["result"])
    return {
        "results": results,
        "balances": _balances(),
        "audit": [dict(entry) for entry in audit.ENTRIES],
        "events": trace.events,
        "autocommit": bool(connection.get_autocommit()),
        "in_atomic": bool(connection.in_atomic_block),
    }


def exception_info() -> dict[str, Any]:
    cls = getattr(solution, "InsufficientFunds", None)
    is_class = isinstance(cls, type) and issubclass(cls, Exception)
    return {"is_exception_class": is_class, "mro": [c.__name__ for c in cls.__mro__] if is_class else []}
