"""Driver for tenant-scoping, run in the worker next to the submission.

Each function loads the plain rows the test passes into a rolled-back
transaction, drives `solution.tenant_context` and `Project.objects` as the test
asks (a list of steps, or a fixed interleaving of threads / asyncio tasks) and
reports what each step saw as plain values: ["ok", value] or ["error", class
name]. The expected values live in the hidden tests, not here.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import djangokit

djangokit.setup("tenancy")

from django.db import connections, transaction  # noqa: E402

from tenancy.models import Project  # noqa: E402

import solution  # noqa: E402

WAIT_S = 10.0


class _Boom(Exception):
    """Raised by the driver inside a context to check that the context is restored."""


def _names(queryset) -> list[list[Any]]:
    return sorted([p.id, p.tenant_id, p.name] for p in queryset)


def _table() -> list[list[Any]]:
    return sorted([p.tenant_id, p.name] for p in Project.all_tenants.all())


def _step(step: list) -> Any:
    """Run one read/write step through Project.objects and return a plain value."""
    op, args = step[0], step[1:]
    objects = Project.objects
    if op == "list":
        return _names(objects.all())
    if op == "filter":
        return _names(objects.filter(name=args[0]))
    if op == "exclude":
        return _names(objects.exclude(name=args[0]))
    if op == "values":
        return sorted(objects.values_list("id", flat=True))
    if op == "exists":
        return bool(objects.filter(name=args[0]).exists())
    if op == "count":
        return int(objects.count())
    if op == "get":
        p = objects.get(pk=args[0])
        return [p.id, p.tenant_id, p.name]
    if op == "get_name":
        p = objects.get(name=args[0])
        return [p.id, p.tenant_id, p.name]
    if op == "create":
        p = objects.create(name=args[0])
        stored = Project.all_tenants.get(pk=p.pk)
        return [p.tenant_id, stored.tenant_id, stored.name]
    if op == "update":
        return int(objects.update(name=args[0]))
    if op == "update_filter":
        return int(objects.filter(name=args[0]).update(name=args[1]))
    if op == "delete":
        return int(objects.all().delete()[0])
    if op == "delete_filter":
        return int(objects.filter(name=args[0]).delete()[0])
    if op == "all_tenants":
        return _names(Project.all_tenants.all())
    raise ValueError(f"unknown step {op!r}")


def _observe(step: list) -> list:
    """One step in its own savepoint, so a database error there does not spoil later steps."""
    try:
        with transaction.atomic():
            return ["ok", _step(step)]
    except Exception as exc:  # noqa: BLE001 - the class name is the observation
        return ["error", type(exc).__name__]


def steps_scenario(rows=(), steps=()) -> dict[str, Any]:
    """Apply `steps` in order; ["enter", t] / ["exit"] open and close tenant_context(t) (nested),
    ["raise_in", t] runs `with tenant_context(t): raise` and swallows the error; any other step
    is a query through Project.objects. Returns {"results": [one per step], "sql": [SQL run by
    each step], "table": sorted [tenant_id, name] of every row at the end}."""
    with djangokit.scenario():
        djangokit.load(Project, list(rows))
        open_contexts: list[Any] = []
        results: list[Any] = []
        sql_per_step: list[list[str]] = []
        try:
            for step in steps:
                with djangokit.capture_queries() as sql:
                    if step[0] == "enter":
                        try:
                            cm = solution.tenant_context(step[1])
                            cm.__enter__()
                            open_contexts.append(cm)
                            results.append(["ok", None])
                        except Exception as exc:  # noqa: BLE001
                            results.append(["error", type(exc).__name__])
                    elif step[0] == "exit":
                        if open_contexts:
                            cm = open_contexts.pop()
                            try:
                                cm.__exit__(None, None, None)
                                results.append(["ok", None])
                            except Exception as exc:  # noqa: BLE001
                                results.append(["error", type(exc).__name__])
                        else:
                            results.append(["ok", None])
                    elif step[0] == "raise_in":
                        try:
                            with solution.tenant_context(step[1]):
                                raise _Boom("driver")
                        except _Boom:
                            results.append(["ok", "raised"])
                        except Exception as exc:  # noqa: BLE001
                            results.append(["error", type(exc).__name__])
                    else:
                        results.append(_observe(step))
                sql_per_step.append(list(sql))
        finally:
            while open_contexts:
                cm = open_contexts.pop()
                try:
                    cm.__exit__(None, None, None)
                except Exception:  # noqa: BLE001
                    pass
        return {"results": results, "sql": sql_per_step, "table": _table()}


def exception_info() -> dict[str, Any]:
    """What TenantRequired is: {"defined", "is_exception_class", "mro": [class names]}."""
    cls = getattr(solution, "TenantRequired", None)
    is_class = isinstance(cls, type) and issubclass(cls, Exception)
    return {
        "defined": cls is not None,
        "is_exception_class": is_class,
        "mro": [c.__name__ for c in cls.__mro__] if is_class else [],
    }


def threads_scenario(rows=()) -> dict[str, Any]:
    """A fixed interleaving of the main thread and one worker thread (they share the database
    connection, never at the same time). Returns the list "main" and "thread" observations, each
    ["<label>", ["ok", names] | ["error", class name]]."""
    with djangokit.scenario():
        djangokit.load(Project, list(rows))
        conn = connections["default"]
        main_obs: list[Any] = []
        thread_obs: list[Any] = []
        go = [threading.Event() for _ in range(6)]

        def worker() -> None:
            connections["default"] = conn
            try:
                go[0].wait(WAIT_S)
                thread_obs.append(["fresh thread", _observe(["list"])])
                with solution.tenant_context(2):
                    thread_obs.append(["thread in 2", _observe(["list"])])
                    go[1].set()
                    go[2].wait(WAIT_S)
                    thread_obs.append(["thread in 2 after main entered 3", _observe(["list"])])
                    go[3].set()
                    go[4].wait(WAIT_S)
                thread_obs.append(["thread after exit", _observe(["list"])])
            except Exception as exc:  # noqa: BLE001
                thread_obs.append(["thread crashed", ["error", type(exc).__name__]])
            finally:
                go[5].set()
                for event in go:
                    event.set()

        conn.inc_thread_sharing()
        try:
            with solution.tenant_context(1):
                thread = threading.Thread(target=worker, daemon=True)
                thread.start()
                go[0].set()
                go[1].wait(WAIT_S)
                main_obs.append(["main in 1 after thread entered 2", _observe(["list"])])
                with solution.tenant_context(3):
                    go[2].set()
                    go[3].wait(WAIT_S)
                    main_obs.append(["main in 3", _observe(["list"])])
                go[4].set()
                go[5].wait(WAIT_S)
                main_obs.append(["main back in 1", _observe(["list"])])
                thread.join(WAIT_S)
            main_obs.append(["main outside", _observe(["list"])])
        finally:
            conn.dec_thread_sharing()
        return {"main": main_obs, "thread": thread_obs}


def tasks_scenario(rows=()) -> dict[str, Any]:
    """A fixed interleaving of asyncio tasks. The parent coroutine enters tenant 1 and starts
    task A (enters tenant 2) and task B (enters nothing); queries run through sync_to_async.
    Returns {"observations": [["<label>", ["ok", names] | ["error", class name]], ...]}."""
    from asgiref.sync import sync_to_async

    observations: list[Any] = []

    async def look(label: str) -> None:
        observations.append([label, await sync_to_async(_observe)(["list"])])

    async def main() -> None:
        a_entered = asyncio.Event()
        b_looked = asyncio.Event()
        a_done = asyncio.Event()

        async def task_a() -> None:
            with solution.tenant_context(2):
                a_entered.set()
                await look("A in 2")
                await b_looked.wait()
                await look("A in 2 after B looked")
            a_done.set()
            await look("A after exit")

        async def task_b() -> None:
            await a_entered.wait()
            await look("B while A is in 2")
            with solution.tenant_context(4):
                await look("B in 4")
                b_looked.set()
                await a_done.wait()
                await look("B in 4 after A exited")
            await look("B after exit")

        with solution.tenant_context(1):
            tasks = [asyncio.ensure_future(task_a()), asyncio.ensure_future(task_b())]
            await asyncio.wait_for(asyncio.gather(*tasks), WAIT_S)
            await look("parent after tasks")
        await look("parent outside")

    with djangokit.scenario():
        djangokit.load(Project, list(rows))
        try:
            djangokit.run_async(main())
        except Exception as exc:  # noqa: BLE001
            observations.append(["crashed", ["error", type(exc).__name__]])
    return {"observations": observations}
