"""Driver for retry-backoff: runs next to the submission and returns plain observations.

Why it exists: exception classes and coroutine functions cannot cross the process
boundary (a class would arrive as a handle, and the decorator needs a real function
to wrap). So the tests name built-in exception classes, and the functions that get
decorated are defined here. Each of them only forwards to a `behaviour` callback
that lives in the test process: attempts, arguments, sleeps and rng calls are all
counted there, not here. No expected value lives in this file.
"""

import asyncio
import builtins
import random

import solution


def _exception_class(name):
    candidate = getattr(builtins, name, None)
    if not (isinstance(candidate, type) and issubclass(candidate, BaseException)):
        raise LookupError(f"not a built-in exception: {name!r}")
    return candidate


def _decorator(options, sleep_kind):
    options = dict(options)
    if "retry_on" in options:
        options["retry_on"] = tuple(_exception_class(name) for name in options["retry_on"])
    if sleep_kind == "awaitable":
        recorder = options["sleep"]

        async def awaitable_sleep(delay):
            recorder(delay)  # runs only if the coroutine is awaited

        options["sleep"] = awaitable_sleep
    return solution.retry(**options)


def _unpack(result):
    # The test process cannot raise a BaseException that is not an Exception into
    # this process, so it asks for one with a marker.
    if isinstance(result, dict) and "raise_base" in result:
        raise _exception_class(result["raise_base"])()
    return result


def _target(behaviour, is_async, name, doc):
    if is_async:

        async def target(*args, **kwargs):
            return _unpack(behaviour(*args, **kwargs))

    else:

        def target(*args, **kwargs):
            return _unpack(behaviour(*args, **kwargs))

    target.__name__ = name
    target.__qualname__ = name
    target.__doc__ = doc
    return target


def _observe(function, args, kwargs, is_async):
    try:
        if is_async:

            async def main():
                return await function(*args, **kwargs)

            value = asyncio.run(main())
        else:
            value = function(*args, **kwargs)
    except BaseException as exc:  # reported as a plain observation, KeyboardInterrupt included
        return {"ok": False, "type": type(exc).__name__, "message": str(exc)}
    return {"ok": True, "value": value}


def run(options, behaviours, calls, is_async=False, sleep_kind="plain", separate_decorators=False):
    """Decorate one function per behaviour, make the calls, report each outcome.

    `options` are retry()'s keyword arguments, with `retry_on` given as names of
    built-in exception classes. `calls` is a list of [function index, args, kwargs].
    With `separate_decorators`, each function gets its own retry(...) object;
    otherwise one retry(...) object decorates them all.
    """
    decorator = None if separate_decorators else _decorator(options, sleep_kind)
    functions = []
    for index, behaviour in enumerate(behaviours):
        decorate = _decorator(options, sleep_kind) if separate_decorators else decorator
        functions.append(decorate(_target(behaviour, is_async, f"operation_{index}", None)))
    return [_observe(functions[index], list(args), dict(kwargs), is_async) for index, args, kwargs in calls]


def metadata(name, doc, is_async):
    """What the decorated function exposes about the function it wraps."""
    target = _target(lambda *args, **kwargs: None, is_async, name, doc)
    wrapped = solution.retry(max_attempts=2)(target)
    return {
        "name": getattr(wrapped, "__name__", None),
        "doc": getattr(wrapped, "__doc__", None),
        "wrapped_is_original": getattr(wrapped, "__wrapped__", None) is target,
    }


def run_with_ticker(options, behaviour, ticker):
    """Run the decorated coroutine function next to another task, under one event loop.

    `ticker` is called once by the other task. With a sleep that yields to the event
    loop, the tick happens between attempts; with a blocking sleep it cannot.
    """
    function = _decorator(options, "plain")(_target(behaviour, True, "operation", None))

    async def tick():
        ticker()

    async def main():
        results = await asyncio.gather(function(), tick(), return_exceptions=True)
        return [type(r).__name__ if isinstance(r, BaseException) else r for r in results]

    return asyncio.run(main())


def seed_random(seed):
    """Seed the module-level generator behind random.random, so default jitter is repeatable."""
    random.seed(seed)
