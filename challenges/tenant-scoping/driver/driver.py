"""Driver for tenant-scoping, run in the worker next to the submission.

It drives `solution.tenant_context` and `Project.objects` one step at a time and reports what
each step gave, as plain values: ["ok", value] or ["error", class name]. A step is ["enter", t]
/ ["exit"] (open / close `tenant_context(t)`, nested; the open contexts stay open between
calls), ["raise_in", t] (`with tenant_context(t): raise`, the error swallowed here), or a query
through `Project.objects` (see `_query`).

Two ways in. The hidden tests load the rows, count the statements and read the table from outside
the worker, on the grader's PostgreSQL server, and call `step` (the worker's main thread),
`thread_step` (a thread of its own, with its own database connection, as any thread in Django) and
`task_step` (asyncio tasks on an event loop of their own, their queries going through
`sync_to_async`) in the order they choose: the interleaving of threads and tasks is the order of
the harness's calls. `steps_scenario` loads the rows itself inside a rolled-back transaction and
runs a whole list of steps: the visible examples use it, in the grader and in the candidate's
hand-out alike. The expected values live in the tests, not here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import queue
import threading
from typing import Any

import djangokit

djangokit.setup("tenancy")

import solution  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from tenancy.models import Project  # noqa: E402

WAIT_S = 10.0


class _Boom(Exception):
    """Raised by the driver inside a context to check that the context is restored."""


def _row(p) -> list[Any]:
    return [p.id, p.tenant_id, p.name]


def _names(queryset) -> list[list[Any]]:
    return sorted(_row(p) for p in queryset)


def _query(step: list) -> Any:
    """Run one read/write step through Project.objects (or Project.all_tenants); a plain value."""
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
        return _row(objects.get(pk=args[0]))
    if op == "get_name":
        return _row(objects.get(name=args[0]))
    if op == "create":
        return _row(objects.create(name=args[0]))  # the stored row is read by the test
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
    """One query step in its own transaction (a savepoint inside another), so that a database
    error there does not spoil the later steps."""
    try:
        with transaction.atomic():
            return ["ok", _query(step)]
    except Exception as exc:
        return ["error", type(exc).__name__]


def _context_step(stack: list[Any], step: list) -> list | None:
    """An enter/exit/raise_in step on `stack` (the contexts open in this thread or task), run
    here; None for a query step."""
    op = step[0]
    if op == "enter":
        try:
            cm = solution.tenant_context(step[1])
            cm.__enter__()
        except Exception as exc:
            return ["error", type(exc).__name__]
        stack.append(cm)
        return ["ok", None]
    if op == "exit":
        if not stack:
            return ["ok", None]
        try:
            stack.pop().__exit__(None, None, None)
        except Exception as exc:
            return ["error", type(exc).__name__]
        return ["ok", None]
    if op == "raise_in":
        try:
            with solution.tenant_context(step[1]):
                raise _Boom("driver")
        except _Boom:
            return ["ok", "raised"]
        except Exception as exc:
            return ["error", type(exc).__name__]
    return None


def _run(stack: list[Any], step: list) -> list:
    done = _context_step(stack, step)
    return done if done is not None else _observe(step)


def _leave(stack: list[Any]) -> None:
    while stack:
        try:
            stack.pop().__exit__(None, None, None)
        except Exception:
            pass


# ---------------------------------------------------------------- the main thread

_main: list[Any] = []  # contexts the main thread's steps opened, innermost last


def step(one: list) -> list:
    """One step on the worker's main thread; the contexts it opens stay open for the next call."""
    return _run(_main, list(one))


def leave_all() -> None:
    """Close every context the main thread's steps left open (innermost first)."""
    _leave(_main)


def exception_info() -> dict[str, Any]:
    """What TenantRequired is: {"defined", "is_exception_class", "mro": [class names]}."""
    cls = getattr(solution, "TenantRequired", None)
    is_class = isinstance(cls, type) and issubclass(cls, Exception)
    return {
        "defined": cls is not None,
        "is_exception_class": is_class,
        "mro": [c.__name__ for c in cls.__mro__] if is_class else [],
    }


# ---------------------------------------------------------------- one more thread


class _Thread:
    """A thread that runs the steps it is sent, one at a time, while the main thread waits. It
    starts with whatever a new thread starts with (no tenant, its own database connection)."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[list | None] = queue.Queue()
        self.outbox: queue.Queue[list] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="tenant-scoping-thread", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        stack: list[Any] = []
        try:
            while True:
                step = self.inbox.get()
                if step is None:
                    return
                try:
                    result = _run(stack, step)
                except BaseException as exc:
                    result = ["error", type(exc).__name__]
                self.outbox.put(result)
        finally:
            _leave(stack)
            connection.close()  # this thread's own connection

    def run(self, step: list) -> list:
        self.inbox.put(step)
        try:
            return self.outbox.get(timeout=WAIT_S)
        except queue.Empty:
            return ["error", "Timeout"]

    def stop(self) -> None:
        self.inbox.put(None)
        self.thread.join(WAIT_S)


_thread: _Thread | None = None


def thread_start() -> None:
    """Start the extra thread (from the main thread, with the main thread's contexts as they are)."""
    global _thread
    thread_stop()
    _thread = _Thread()


def thread_step(one: list) -> list:
    """One step on the extra thread; the contexts it opens there stay open for its next step."""
    if _thread is None:
        raise RuntimeError("thread_start() first")
    return _thread.run(list(one))


def thread_stop() -> None:
    """Close the extra thread's contexts and connection, and end it."""
    global _thread
    if _thread is not None:
        _thread.stop()
        _thread = None


# ---------------------------------------------------------------- asyncio tasks


class _Tasks:
    """An event loop in a thread of its own; each named task awaits the steps it is sent and runs
    them one at a time. Query steps go through `sync_to_async` (which carries the task's context
    variables to the thread that runs the query); ["spawn", name] starts a task from inside this
    one (so it starts with a copy of this task's context); ["end"] closes the task's contexts and
    ends it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.inboxes: dict[str, asyncio.Queue] = {}
        self.running: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks
        self.thread = threading.Thread(target=self.loop.run_forever, name="tenant-scoping-loop", daemon=True)
        self.thread.start()

    def _spawn(self, name: str, context: contextvars.Context | None = None) -> None:
        """On the loop: a new task `name`, with `context`, or else a copy of the running task's."""
        self.inboxes[name] = asyncio.Queue()
        task = self.loop.create_task(self._serve(name), context=context)
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _serve(self, name: str) -> None:
        from asgiref.sync import sync_to_async

        inbox = self.inboxes[name]
        stack: list[Any] = []
        try:
            while True:
                step, reply = await inbox.get()
                try:
                    if step[0] == "spawn":
                        self._spawn(step[1])
                        result: list = ["ok", None]
                    elif step[0] == "end":
                        _leave(stack)
                        self.inboxes.pop(name, None)
                        reply.set_result(["ok", None])
                        return
                    else:
                        done = _context_step(stack, step)
                        result = done if done is not None else await sync_to_async(_observe)(step)
                except BaseException as exc:
                    result = ["error", type(exc).__name__]
                reply.set_result(result)
        finally:
            _leave(stack)
            self.inboxes.pop(name, None)

    def start(self, name: str) -> None:
        done: concurrent.futures.Future = concurrent.futures.Future()

        def spawn() -> None:
            self._spawn(name, contextvars.Context())
            done.set_result(None)

        self.loop.call_soon_threadsafe(spawn)
        done.result(WAIT_S)

    def run(self, name: str, step: list) -> list:
        reply: concurrent.futures.Future = concurrent.futures.Future()

        def post() -> None:
            inbox = self.inboxes.get(name)
            if inbox is None:
                reply.set_result(["error", "NoSuchTask"])
            else:
                inbox.put_nowait((step, reply))

        self.loop.call_soon_threadsafe(post)
        try:
            return reply.result(WAIT_S)
        except concurrent.futures.TimeoutError:
            return ["error", "Timeout"]

    def stop(self) -> None:
        for name in list(self.inboxes):
            self.run(name, ["end"])
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT_S)


_tasks: _Tasks | None = None


def task_start(name: str) -> None:
    """Start a task `name` that has no tenant (a fresh context), on the driver's event loop."""
    global _tasks
    if _tasks is None:
        _tasks = _Tasks()
    _tasks.start(name)


def task_step(name: str, one: list) -> list:
    """One step in task `name` (["spawn", child] starts a child task from inside it)."""
    if _tasks is None:
        raise RuntimeError("task_start() first")
    return _tasks.run(name, list(one))


def tasks_stop() -> None:
    """End every task and the event loop."""
    global _tasks
    if _tasks is not None:
        _tasks.stop()
        _tasks = None


# ---------------------------------------------------------------- the visible examples


def steps_scenario(rows=(), steps=()) -> dict[str, Any]:
    """Load `rows` and apply `steps` in order on this thread, inside a transaction that is rolled
    back. Returns {"results": [one per step], "sql": [SQL this process saw each step run],
    "table": sorted [id, tenant_id, name] of every row at the end}."""
    with djangokit.scenario():
        djangokit.load(Project, list(rows))
        with connection.cursor() as cursor:  # PostgreSQL: new ids continue after the loaded ones
            for sql in connection.ops.sequence_reset_sql(no_style(), [Project]):
                cursor.execute(sql)
        stack: list[Any] = []
        results: list[Any] = []
        sql_per_step: list[list[str]] = []
        try:
            for one in steps:
                with djangokit.capture_queries() as sql:
                    results.append(_run(stack, list(one)))
                sql_per_step.append(list(sql))
        finally:
            _leave(stack)
        table = sorted(_row(p) for p in Project.all_tenants.all())
        return {"results": results, "sql": sql_per_step, "table": table}
