"""Driver for signal-recursion, run in the worker next to the submission.

It connects `solution.update_total` to `post_save` of `Invoice` (dispatch_uid
"signal-recursion-update-total"), between two receivers of its own: the one
before records every post_save sent for an Invoice and marks the thread as
"inside the handler" (the one after clears the mark), so the driver can tell
the handler's SQL from the save's own, make the handler's first statement fail,
or pause a thread while it is inside the handler.

The database is a SQLite file in a fresh temporary folder (WAL journal), not
":memory:", because the thread scenario needs two connections to see the same
tables; Django gives each thread its own connection. Every scenario starts from
an empty table and really commits. Each save is reported as plain values: the
SQL it ran (transaction control left out), the post_save signals it sent, the
instance's `total` afterwards, the row as stored. Expected values live in the tests.
"""

from __future__ import annotations

import os
import tempfile
import threading
import weakref
from decimal import Decimal
from typing import Any

import djangokit

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

_local = threading.local()


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
    found = list(Invoice.objects.filter(pk=pk).values("id", "subtotal", "tax_rate", "total"))
    return djangokit.plain(found[0]) if found else None


def _total(instance: Any) -> dict[str, Any]:
    value = getattr(instance, "total", None)
    return {
        "total": djangokit.plain(value) if isinstance(value, Decimal) else repr(value),
        "type": type(value).__name__,
    }


def _save(objects: dict[str, Any], action: list, probe: _Probe) -> Any:
    """Perform one action (see run()) and return the instance it saved."""
    kind, key = action[0], action[1]
    if kind == "create":
        instance = Invoice(subtotal=Decimal(action[2]), tax_rate=Decimal(action[3]))
        objects[key] = instance
        with connection.execute_wrapper(probe):
            instance.save()
    elif kind == "objects_create":
        with connection.execute_wrapper(probe):
            instance = Invoice.objects.create(subtotal=Decimal(action[2]), tax_rate=Decimal(action[3]))
        objects[key] = instance
    elif kind in ("set", "reload_set"):
        instance = objects[key]
        if kind == "reload_set":
            instance = objects[key] = Invoice.objects.get(pk=instance.pk)
        instance.subtotal, instance.tax_rate = Decimal(action[2]), Decimal(action[3])
        with connection.execute_wrapper(probe):
            instance.save()
    elif kind == "set_fields":
        instance = objects[key]
        for name, value in action[2].items():
            setattr(instance, name, Decimal(value))
        with connection.execute_wrapper(probe):
            instance.save(update_fields=list(action[3]))
    elif kind == "save":
        instance = objects[key]
        with connection.execute_wrapper(probe):
            instance.save()
    else:
        raise ValueError(f"unknown action {kind!r}")
    return instance


def _perform(objects: dict[str, Any], action: list, options: dict[str, Any], probe: _Probe) -> dict[str, Any]:
    state = _state()
    state.depth, state.signals = 0, []
    error = None
    inside_row = None
    instance = None
    try:
        if options.get("atomic"):
            with transaction.atomic():
                instance = _save(objects, action, probe)
                inside_row = _row(instance.pk)
        else:
            instance = _save(objects, action, probe)
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


def run(actions: list) -> dict[str, Any]:
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
    djangokit.reset_tables(Invoice)
    objects: dict[str, Any] = {}
    steps = []
    for action in actions:
        size = _SIZES.get(action[0], len(action))
        options = dict(action[size]) if len(action) > size else {}
        action = list(action[:size])
        probe = _Probe(fail=bool(options.get("fail")))
        steps.append(_perform(objects, action, options, probe))
    rows = [djangokit.plain(r) for r in Invoice.objects.order_by("id").values("id", "subtotal", "tax_rate", "total")]
    return {"steps": steps, "rows": rows}


def concurrent(first: list, second: list) -> dict[str, Any]:
    """Two threads each save one invoice, with the first one paused inside its handler.

    Each of `first` and `second` is ["create", subtotal, tax_rate] or
    ["update", subtotal, tax_rate, new_subtotal, new_tax_rate] (the invoice is stored
    beforehand, without the handler and with total NULL, then fetched, changed and saved
    by the thread). Thread A runs `first`; when its handler runs its first SQL statement,
    A waits there while thread B runs `second` to the end (at most 10 s), then A goes on.
    Returns {"a": observation, "b": observation, "a_paused_inside_handler": bool, "rows": [...]}.
    """
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
    rows = [djangokit.plain(r) for r in Invoice.objects.order_by("id").values("id", "subtotal", "tax_rate", "total")]
    return {
        "a": results.get("a", {"error": "driver: thread A did not finish"}),
        "b": results.get("b", {"error": "driver: thread B did not finish"}),
        "a_paused_inside_handler": probes["a"].paused,
        "rows": rows,
    }
