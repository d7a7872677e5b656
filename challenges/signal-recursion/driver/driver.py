"""Driver for signal-recursion, run in the worker next to the submission.

It connects `solution.update_total` to `post_save` of `Invoice` (dispatch_uid
"signal-recursion-update-total"), between two receivers of its own. The one before marks the
thread as "inside the handler" (the one after clears the mark) and, on the grader's PostgreSQL
server, sends one statement of its own per post_save, `SELECT 'grader: post_save'`, so that the
server's statement log shows how many post_save signals each save sent.

Two ways in.

- The hidden tests (on the grader's PostgreSQL server) load the table, install faults and locks
  as triggers, count the statements and read the rows from outside the worker. The driver only
  performs the saves: `reset()`, `fetch(key)`, `perform(action)` (one save per call, so that the
  tests can observe each on its own) and `concurrent(first, second, wait_blocked, release)` (two
  threads, each with its own database connection), and reports what the submission produced: the
  exception's class name if one escaped, the instance's `total` and its pk.
- `run_scenario()` and `concurrent_scenario()` empty the table, count the SQL in this process, make
  the handler's first statement fail or pause a thread inside the handler, and read the rows back
  here: the visible examples use them, in the grader and in the candidate's hand-out alike. In the
  hand-out (SQLite) the database is a file in a fresh temporary folder, not ":memory:", because
  the thread example needs two connections to see the same tables; on the grader's PostgreSQL
  server the database is the grader's.

Expected values live in the tests.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import weakref
from decimal import Decimal
from typing import Any

import djangokit

# On the grader's server the database comes from the grader; only the hand-out's SQLite needs a file.
ON_GRADER_DATABASE = bool(os.environ.get(djangokit.DATABASE_ENV))
if ON_GRADER_DATABASE:
    djangokit.setup("billing")
else:
    _FOLDER = tempfile.mkdtemp(prefix="signal-recursion-")
    djangokit.setup(
        "billing",
        settings_overrides={
            "DATABASES": {
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": os.path.join(_FOLDER, "billing.sqlite3"),
                    "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF"},
                }
            }
        },
    )

import solution  # noqa: E402
from billing.models import Invoice  # noqa: E402
from django.db import OperationalError, connection, connections, transaction  # noqa: E402
from django.db.models.signals import post_save  # noqa: E402

DISPATCH_UID = "signal-recursion-update-total"
WAIT_SECONDS = 10
# Sent once per post_save by the receiver before the handler (hidden path only); not the submission's.
SIGNAL_MARKER = "SELECT 'grader: post_save'"
FIELDS = ["id", "subtotal", "tax_rate", "total"]

_local = threading.local()
_markers = {"on": False}


def _state() -> Any:
    if not hasattr(_local, "depth"):
        _local.depth = 0
        _local.signals = []
    return _local


def _before(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    state = _state()
    state.signals.append(
        {
            "pk": instance.pk,
            "created": bool(created),
            "update_fields": sorted(update_fields) if update_fields is not None else None,
        }
    )
    state.depth += 1
    if _markers["on"]:
        with connection.cursor() as cursor:
            cursor.execute(SIGNAL_MARKER)


def _after(sender, instance, **kwargs):
    state = _state()
    state.depth = max(state.depth - 1, 0)


def _target(ref: Any) -> Any:
    return ref() if isinstance(ref, weakref.ReferenceType) else ref


def _connect() -> None:
    """Our three receivers, in this order; a connection the submission made itself is removed first."""
    with post_save.lock:
        post_save.receivers = [r for r in post_save.receivers if _target(r[1]) is not solution.update_total]
        post_save.sender_receivers_cache.clear()
    post_save.connect(_before, sender=Invoice, weak=False, dispatch_uid="signal-recursion-driver-before")
    post_save.connect(solution.update_total, sender=Invoice, weak=False, dispatch_uid=DISPATCH_UID)
    post_save.connect(_after, sender=Invoice, weak=False, dispatch_uid="signal-recursion-driver-after")


_connect()


def _total(instance: Any) -> dict[str, Any]:
    value = getattr(instance, "total", None)
    return {
        "total": djangokit.plain(value) if isinstance(value, Decimal) else repr(value),
        "type": type(value).__name__,
    }


# ---------------------------------------------------------------- the hidden tests' way in

_objects: dict[str, Any] = {}


def _save(objects: dict[str, Any], action: list) -> Any:
    """Perform one save (see run_scenario()) and return the instance it saved."""
    kind, key = action[0], action[1]
    if kind == "create":
        instance = objects[key] = Invoice(subtotal=Decimal(action[2]), tax_rate=Decimal(action[3]))
        instance.save()
    elif kind == "objects_create":
        instance = objects[key] = Invoice.objects.create(subtotal=Decimal(action[2]), tax_rate=Decimal(action[3]))
    elif kind in ("set", "reload_set"):
        instance = objects[key]
        instance.subtotal, instance.tax_rate = Decimal(action[2]), Decimal(action[3])
        instance.save()
    elif kind == "set_fields":
        instance = objects[key]
        for name, value in action[2].items():
            setattr(instance, name, Decimal(value))
        instance.save(update_fields=list(action[3]))
    elif kind == "save":
        instance = objects[key]
        instance.save()
    else:
        raise ValueError(f"unknown action {kind!r}")
    return instance


def _outcome(objects: dict[str, Any], key: str, call) -> dict[str, Any]:
    error = None
    try:
        call()
    except Exception as exc:  # the class name is the observation
        error = type(exc).__name__
    instance = objects.get(key)
    return {
        "error": error,
        "pk": getattr(instance, "pk", None),
        "instance": _total(instance) if instance is not None else None,
    }


def reset() -> None:
    """Forget the instances of an earlier scenario; from now on every post_save sends the marker."""
    _objects.clear()
    _markers["on"] = True


def fetch(key: str) -> None:
    """Replace the instance named `key` by a fresh one fetched from the database (before a
    "reload_set" save, outside the statements the test counts for that save)."""
    _objects[key] = Invoice.objects.get(pk=_objects[key].pk)


def perform(action: list, atomic: bool = False) -> dict[str, Any]:
    """One save (an action of run_scenario(), without options), inside the caller's
    transaction.atomic() when `atomic`. Returns {"error": class name or None, "pk", "instance":
    {"total", "type"}}: what the submission left on the instance."""

    def call() -> None:
        if atomic:
            with transaction.atomic():
                _save(_objects, list(action))
        else:
            _save(_objects, list(action))

    return _outcome(_objects, action[1], call)


def concurrent(first: dict, second: dict, wait_blocked, release) -> dict[str, Any]:
    """Two threads, each with its own connection, save one invoice each.

    `first`/`second`: {"kind": "create", "subtotal", "tax_rate"} (a new invoice) or {"kind":
    "update", "id", "subtotal", "tax_rate"} (the stored row `id`, as fetched, given these values
    and saved). Thread A runs `first`; the driver asks the harness `wait_blocked(seconds)` until A
    waits inside its handler (on a lock the harness holds) or A is done, then runs thread B to the
    end, then calls `release()` and waits for A. Returns {"a": outcome, "b": outcome}.
    """
    results: dict[str, Any] = {}

    def work(name: str, spec: dict) -> None:
        objects: dict[str, Any] = {}
        try:
            if spec["kind"] == "update":
                # A fetched instance, built without a query of the driver's own.
                objects[name] = Invoice.from_db("default", FIELDS, [spec["id"], Decimal("0"), Decimal("0"), None])
                action = ["set", name, spec["subtotal"], spec["tax_rate"]]
            else:
                action = ["create", name, spec["subtotal"], spec["tax_rate"]]
            results[name] = _outcome(objects, name, lambda: _save(objects, action))
        except Exception as exc:
            results[name] = {"error": f"driver: {type(exc).__name__}: {exc}"}
        finally:
            connections.close_all()

    _markers["on"] = True
    thread_a = threading.Thread(target=work, args=("a", first), daemon=True)
    thread_a.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while thread_a.is_alive() and time.monotonic() < deadline:
        if wait_blocked(0.2):
            break
    thread_b = threading.Thread(target=work, args=("b", second), daemon=True)
    thread_b.start()
    thread_b.join(WAIT_SECONDS * 2)
    release()
    thread_a.join(WAIT_SECONDS * 2)
    return {
        "a": results.get("a", {"error": "driver: thread A did not finish"}),
        "b": results.get("b", {"error": "driver: thread B did not finish"}),
    }


# ---------------------------------------------------------------- the visible examples' way in


class _Probe:
    """execute_wrapper: records statements; may fail or pause the handler's first statement."""

    def __init__(self, fail: bool = False, pause: tuple[threading.Event, threading.Event] | None = None) -> None:
        self.sql: list[str] = []
        self.in_handler = 0
        self.fail = fail
        self.pause = pause
        self.paused = False

    def __call__(self, execute, sql, params, many, context):
        text = str(sql)
        if djangokit.is_transaction_control(text):
            return execute(sql, params, many, context)
        inside = _state().depth > 0
        if inside:
            self.in_handler += 1
            if self.fail:
                self.fail = False
                self.sql.append(text)
                raise OperationalError("database is locked (injected by the grader)")
            if self.pause is not None and not self.paused:
                self.paused = True
                entered, release = self.pause
                entered.set()
                release.wait(WAIT_SECONDS)
        try:
            return execute(sql, params, many, context)
        finally:
            try:
                text = connection.ops.last_executed_query(context["cursor"].cursor, sql, params) if not many else text
            except Exception:
                pass
            self.sql.append(text)


def _row(pk: Any) -> dict[str, Any] | None:
    if pk is None:
        return None
    found = list(Invoice.objects.filter(pk=pk).values(*FIELDS))
    return djangokit.plain(found[0]) if found else None


def _probed_save(objects: dict[str, Any], action: list, probe: _Probe) -> Any:
    if action[0] == "reload_set":
        objects[action[1]] = Invoice.objects.get(pk=objects[action[1]].pk)
    with connection.execute_wrapper(probe):
        return _save(objects, action)


def _perform(objects: dict[str, Any], action: list, options: dict[str, Any], probe: _Probe) -> dict[str, Any]:
    state = _state()
    state.depth, state.signals = 0, []
    error = None
    inside_row = None
    instance = None
    try:
        if options.get("atomic"):
            with transaction.atomic():
                instance = _probed_save(objects, action, probe)
                inside_row = _row(instance.pk)
        else:
            instance = _probed_save(objects, action, probe)
    except Exception as exc:  # the class name is the observation
        error = type(exc).__name__
    instance = objects.get(action[1], instance)
    return {
        "error": error,
        "sql": list(probe.sql),
        "handler_statements": probe.in_handler,
        "signals": list(state.signals),
        "instance": _total(instance) if instance is not None else None,
        "row": _row(getattr(instance, "pk", None)),
        "row_inside_atomic": inside_row,
        "in_atomic": bool(connection.in_atomic_block),
    }


_SIZES = {"create": 4, "objects_create": 4, "set": 4, "reload_set": 4, "set_fields": 4, "save": 2}


def run_scenario(actions: list) -> dict[str, Any]:
    """Start from an empty table and perform `actions` in order, each saving one invoice.

    Actions (values are decimal strings; `key` names an invoice within this run):
      ["create", key, subtotal, tax_rate]           Invoice(...) then .save()
      ["objects_create", key, subtotal, tax_rate]   Invoice.objects.create(...)
      ["set", key, subtotal, tax_rate]              change the same instance, .save()
      ["reload_set", key, subtotal, tax_rate]       fetch a fresh instance, change it, .save()
      ["set_fields", key, {field: value}, [update_fields]]   set attributes, .save(update_fields=...)
      ["save", key]                                 .save() without changes
    An optional last element, a dict, holds options: {"fail": True} makes the handler's first
    SQL statement raise OperationalError; {"atomic": True} runs the save inside the caller's
    transaction.atomic() and also reports the row as seen inside that block.

    Returns {"steps": [one observation per action], "rows": every row afterwards}.
    """
    _markers["on"] = False
    djangokit.reset_tables(Invoice)
    objects: dict[str, Any] = {}
    steps = []
    for action in actions:
        size = _SIZES.get(action[0], len(action))
        options = dict(action[size]) if len(action) > size else {}
        action = list(action[:size])
        probe = _Probe(fail=bool(options.get("fail")))
        steps.append(_perform(objects, action, options, probe))
    rows = [djangokit.plain(r) for r in Invoice.objects.order_by("id").values(*FIELDS)]
    return {"steps": steps, "rows": rows}


def concurrent_scenario(first: list, second: list) -> dict[str, Any]:
    """Two threads each save one invoice, with the first one paused inside its handler.

    Each of `first` and `second` is ["create", subtotal, tax_rate] or
    ["update", subtotal, tax_rate, new_subtotal, new_tax_rate] (the invoice is stored
    beforehand, without the handler and with total NULL, then fetched, changed and saved
    by the thread). Thread A runs `first`; when its handler runs its first SQL statement,
    A waits there while thread B runs `second` to the end (at most 10 s), then A goes on.
    Returns {"a": observation, "b": observation, "a_paused_inside_handler": bool, "rows": [...]}.
    """
    _markers["on"] = False
    djangokit.reset_tables(Invoice)
    stored = {}
    for name, spec in (("a", first), ("b", second)):
        if spec[0] == "update":
            stored[name] = len(stored) + 1
            row = {"id": stored[name], "subtotal": Decimal(spec[1]), "tax_rate": Decimal(spec[2])}
            djangokit.load(Invoice, [row])
    entered, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}
    probes = {"a": _Probe(pause=(entered, release)), "b": _Probe()}

    def work(name: str, spec: list) -> None:
        try:
            objects: dict[str, Any] = {}
            if spec[0] == "update":
                objects[name] = Invoice.objects.get(pk=stored[name])
                action = ["set", name, spec[3], spec[4]]
            else:
                action = ["create", name, spec[1], spec[2]]
            results[name] = _perform(objects, action, {}, probes[name])
        except Exception as exc:
            results[name] = {"error": f"driver: {type(exc).__name__}: {exc}"}
        finally:
            if name == "b":
                release.set()
            connections.close_all()

    thread_a = threading.Thread(target=work, args=("a", first), daemon=True)
    thread_a.start()
    for _ in range(WAIT_SECONDS * 100):  # until A is inside its handler, or done without ever pausing
        if entered.wait(0.01) or not thread_a.is_alive():
            break
    thread_b = threading.Thread(target=work, args=("b", second), daemon=True)
    thread_b.start()
    thread_b.join(WAIT_SECONDS * 2)
    release.set()
    thread_a.join(WAIT_SECONDS * 2)
    rows = [djangokit.plain(r) for r in Invoice.objects.order_by("id").values(*FIELDS)]
    return {
        "a": results.get("a", {"error": "driver: thread A did not finish"}),
        "b": results.get("b", {"error": "driver: thread B did not finish"}),
        "a_paused_inside_handler": probes["a"].paused,
        "rows": rows,
    }
