"""Driver for timing-middleware, run in the worker next to the submission.

Time is fake: while a scenario runs, `time.perf_counter` (and any module-level name
of `solution` bound to it, e.g. after `from time import perf_counter`) is a clock
that stands still except when a view runs: the staged view moves it forward by the
amount the test asked for. So however often Django, asgiref or the submission read
the clock, a solution that reads it before and after `get_response` sees exactly
the staged duration. The real function is put back when the scenario ends.

Three ways in:
  serve(...)       real requests through Django's test Client or AsyncClient, with
                   MIDDLEWARE = ["solution.RequestTimingMiddleware"] (one client, so
                   one middleware instance, per scenario);
  direct(...)      the middleware instance built by hand around a get_response written
                   here (sync or async), which may raise: the only way an exception
                   reaches a middleware, since Django turns view exceptions into
                   responses below it;
  concurrent(...)  two interleaved requests through one async instance.
Every function returns plain observations (statuses, header values, log records);
the expected values live in the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import time
from typing import Any

import djangokit

djangokit.setup(
    "timingapp",
    settings_overrides={
        "ROOT_URLCONF": "timingapp.urls",
        "MIDDLEWARE": ["solution.RequestTimingMiddleware"],
    },
)

import solution  # noqa: E402
from asgiref.sync import iscoroutinefunction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import AsyncClient, AsyncRequestFactory, Client, RequestFactory, override_settings  # noqa: E402
from timingapp.views import STAGE, ViewFailure  # noqa: E402

HEADER = "X-Response-Time-Ms"
LOGGER = "request.timing"


class FakeClock:
    """A perf_counter stand-in that only moves when told to."""

    def __init__(self, start: float) -> None:
        self.now = float(start)
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextlib.contextmanager
def fake_time(start: float):
    clock = FakeClock(start)
    real = time.perf_counter
    # `from time import perf_counter` in the submission binds a module name to the real one.
    targets = [(time, "perf_counter")]
    targets += [(solution, name) for name, value in list(vars(solution).items()) if value is real]
    for owner, name in targets:
        setattr(owner, name, clock)
    STAGE.clock = clock
    try:
        yield clock
    finally:
        STAGE.clock = None
        for owner, name in targets:
            setattr(owner, name, real)


@contextlib.contextmanager
def threshold(slow_ms):
    """SLOW_REQUEST_MS for the block; None leaves the setting undefined (the default applies)."""
    if slow_ms is None:
        yield
    else:
        with override_settings(SLOW_REQUEST_MS=slow_ms):
            yield


@contextlib.contextmanager
def quiet_django():
    # Django logs the 500s it renders on django.request; keep that out of the worker's output.
    try:
        with djangokit.capture_logs("django"):
            yield
    finally:
        # An async view under the WSGI handler runs through asgiref's async_to_sync, which
        # leaves a one-thread executor per call to the garbage collector; collect now so
        # idle threads (8 MB stack + malloc arena of address space each) do not pile up
        # against the worker's address-space limit.
        gc.collect()


def _stage(spec: dict[str, Any]) -> None:
    STAGE.advance = float(spec.get("advance", 0.0))
    STAGE.outcome = spec.get("outcome", "ok")
    STAGE.status = int(spec.get("status", 200))


def _header(response: Any) -> Any:
    try:
        value = response.headers.get(HEADER)
    except Exception as exc:  # not a response at all
        return f"<no headers: {type(exc).__name__}>"
    return None if value is None else str(value)


def _error(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": str(exc)}


def run_in_loop(awaitable):
    """Run a coroutine in a fresh event loop, then join the loop's worker threads.

    (asgiref's async_to_sync would start a new thread per call and leave it to the
    garbage collector; no database is used here, so the ORM's thread does not matter.)
    """

    async def runner():
        return await awaitable

    return asyncio.run(runner())


def capabilities() -> dict[str, Any]:
    """The flags Django reads on the factory (with Django's defaults when absent)."""
    factory = solution.RequestTimingMiddleware
    return {
        "sync_capable": djangokit.plain(getattr(factory, "sync_capable", True)),
        "async_capable": djangokit.plain(getattr(factory, "async_capable", False)),
    }


def serve(requests, slow_ms=None, asynchronous=False, start=1000.0) -> list[dict[str, Any]]:
    """Send `requests` through one test client (AsyncClient when `asynchronous`).

    Each request is {"method", "path", "advance": seconds the view takes, "gap":
    seconds the clock moves before the request is sent, "outcome": "ok" | "raise" |
    "404", "status": the view's status}. A path outside /sync/ and /async/ runs no
    view (Django answers 404). Returns, per request, {"status", "header", "records"
    (log records on request.timing while it ran), "error" (an exception that escaped
    the client, or None), "view_calls"}.
    """
    results: list[dict[str, Any]] = []

    def before(spec, clock):
        clock.advance(float(spec.get("gap", 0.0)))
        _stage(spec)
        STAGE.calls = 0

    def after(response, records, error):
        results.append(
            {
                "status": None if response is None else int(response.status_code),
                "header": None if response is None else _header(response),
                "records": list(records),
                "error": error,
                "view_calls": STAGE.calls,
            }
        )

    with threshold(slow_ms), fake_time(start) as clock, quiet_django():
        if asynchronous:

            async def send_all():
                client = AsyncClient(raise_request_exception=False)
                for spec in requests:
                    before(spec, clock)
                    response = error = None
                    with djangokit.capture_logs(LOGGER) as records:
                        try:
                            response = await client.generic(spec["method"], spec["path"])
                        except Exception as exc:
                            error = _error(exc)
                    after(response, records, error)

            run_in_loop(send_all())
        else:
            client = Client(raise_request_exception=False)
            for spec in requests:
                before(spec, clock)
                response = error = None
                with djangokit.capture_logs(LOGGER) as records:
                    try:
                        response = client.generic(spec["method"], spec["path"])
                    except Exception as exc:
                        error = _error(exc)
                after(response, records, error)
    return results


def direct(calls, asynchronous=False, slow_ms=None, start=1000.0) -> dict[str, Any]:
    """Build one middleware instance around a hand-written get_response and call it.

    `asynchronous` makes get_response a coroutine function (and the requests
    ASGI requests). Each call is {"method", "path", "advance", "gap", "outcome":
    "ok" | "raise" | "raise_value", "status"}. Returns {"is_coroutine_function":
    what Django would see, "init_error", "calls": [{"returned_awaitable",
    "same_response", "status", "header", "raised", "raised_message", "same_exception",
    "records"}]}.
    """
    out: dict[str, Any] = {"is_coroutine_function": None, "init_error": None, "calls": []}
    state: dict[str, Any] = {}

    def produce():
        spec = state["spec"]
        state["clock"].advance(float(spec.get("advance", 0.0)))
        outcome = spec.get("outcome", "ok")
        if outcome == "raise":
            state["raised"] = ViewFailure("get_response failed on purpose")
            raise state["raised"]
        if outcome == "raise_value":
            state["raised"] = ValueError("bad value on purpose")
            raise state["raised"]
        state["response"] = HttpResponse("direct ok", status=int(spec.get("status", 200)))
        return state["response"]

    def sync_get_response(request):
        return produce()

    async def async_get_response(request):
        return produce()

    factory_request = AsyncRequestFactory() if asynchronous else RequestFactory()
    with threshold(slow_ms), fake_time(start) as clock, quiet_django():
        state["clock"] = clock
        try:
            instance = solution.RequestTimingMiddleware(async_get_response if asynchronous else sync_get_response)
        except Exception as exc:
            out["init_error"] = _error(exc)
            return out
        out["is_coroutine_function"] = bool(iscoroutinefunction(instance))
        for spec in calls:
            clock.advance(float(spec.get("gap", 0.0)))
            state.update(spec=spec, raised=None, response=None)
            request = factory_request.generic(spec["method"], spec["path"])
            seen: dict[str, Any] = {"returned_awaitable": None, "raised": None, "same_exception": None}
            result = None
            with djangokit.capture_logs(LOGGER) as records:
                try:
                    result = instance(request)
                    seen["returned_awaitable"] = inspect.isawaitable(result)
                    if seen["returned_awaitable"]:
                        result = run_in_loop(result)
                except Exception as exc:
                    seen["raised"] = type(exc).__name__
                    seen["raised_message"] = str(exc)[:500]
                    seen["same_exception"] = exc is state["raised"]
                    result = None
            seen["same_response"] = result is not None and result is state["response"]
            seen["status"] = int(result.status_code) if isinstance(result, HttpResponse) else None
            seen["header"] = _header(result) if isinstance(result, HttpResponse) else None
            seen["records"] = list(records)
            out["calls"].append(seen)
    return out


def concurrent(first, second, slow_ms=None, start=1000.0) -> dict[str, Any]:
    """Two requests through one async instance, interleaved.

    The first request's get_response moves the clock by first["before"], then waits
    until the second request (started only then) has finished, then moves the clock
    by first["after"]. The second's get_response moves it by second["advance"].
    Returns {"first": {...}, "second": {...}} with "header", "same_response",
    "raised" each, and "records": every request.timing record in arrival order.
    """
    out: dict[str, Any] = {}
    with threshold(slow_ms), fake_time(start) as clock, quiet_django():

        async def scenario():
            first_waiting = asyncio.Event()
            second_done = asyncio.Event()
            responses: dict[str, Any] = {}

            async def get_response(request):
                name = request.META["HTTP_X_WHICH"]
                if name == "first":
                    clock.advance(float(first.get("before", 0.0)))
                    first_waiting.set()
                    await second_done.wait()
                    clock.advance(float(first.get("after", 0.0)))
                else:
                    clock.advance(float(second.get("advance", 0.0)))
                responses[name] = HttpResponse(name)
                return responses[name]

            instance = solution.RequestTimingMiddleware(get_response)
            factory_request = AsyncRequestFactory()

            def make(name, spec):
                return factory_request.generic(spec["method"], spec["path"], headers={"X-Which": name})

            async def run(name, spec):
                try:
                    result = instance(make(name, spec))
                    if inspect.isawaitable(result):
                        result = await result
                    return {"header": _header(result), "same_response": result is responses.get(name), "raised": None}
                except Exception as exc:
                    return {"header": None, "same_response": False, "raised": type(exc).__name__}
                finally:
                    if name == "second":
                        second_done.set()

            first_task = asyncio.ensure_future(run("first", first))
            waiter = asyncio.ensure_future(first_waiting.wait())
            await asyncio.wait([first_task, waiter], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            out["second"] = await run("second", second)
            out["first"] = await first_task

        with djangokit.capture_logs(LOGGER) as records:
            run_in_loop(scenario())
        out["records"] = list(records)
    return out
