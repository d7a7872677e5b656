# alternative: a generator drives the attempt loop of both wrappers; the exponent is capped once it cannot matter

import asyncio
import functools
import inspect
import random
import time


def _delay(k, base_delay, max_delay):
    # Past 2**1000 the product either exceeds max_delay or base_delay is 0.
    if base_delay == 0:
        return 0.0
    if k - 1 >= 1000:
        return float(max_delay)
    return min(max_delay, base_delay * 2 ** (k - 1))


def retry(
    max_attempts=3,
    base_delay=0.5,
    max_delay=30.0,
    retry_on=(Exception,),
    jitter="full",
    sleep=time.sleep,
    rng=random.random,
):
    if max_attempts < 1 or jitter not in ("full", None):
        raise ValueError("bad retry configuration")

    def plan():
        """Yields None for 'attempt now'; receives the exception (or None on success); yields delays."""
        for k in range(1, max_attempts + 1):
            error = yield None
            if error is None:
                return
            if not isinstance(error, retry_on) or k == max_attempts:
                raise error
            delay = _delay(k, base_delay, max_delay)
            if jitter == "full":
                delay *= rng()
            yield delay

    def decorator(func):
        done = {}

        def lookup(key):
            return key is not None and key in done

        if inspect.iscoroutinefunction(func):
            napper = asyncio.sleep if sleep is time.sleep else sleep

            @functools.wraps(func)
            async def run_async(*args, idempotency_key=None, **kwargs):
                if lookup(idempotency_key):
                    return done[idempotency_key]
                steps = plan()
                next(steps)
                while True:
                    try:
                        result = await func(*args, **kwargs)
                    except BaseException as exc:
                        delay = steps.send(exc)
                        waiting = napper(delay)
                        if inspect.isawaitable(waiting):
                            await waiting
                        next(steps)
                        continue
                    if idempotency_key is not None:
                        done[idempotency_key] = result
                    return result

            return run_async

        @functools.wraps(func)
        def run_sync(*args, idempotency_key=None, **kwargs):
            if lookup(idempotency_key):
                return done[idempotency_key]
            steps = plan()
            next(steps)
            while True:
                try:
                    result = func(*args, **kwargs)
                except BaseException as exc:
                    delay = steps.send(exc)
                    sleep(delay)
                    next(steps)
                    continue
                if idempotency_key is not None:
                    done[idempotency_key] = result
                return result

        return run_sync

    return decorator
