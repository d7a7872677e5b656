# wrong: remembers the exception of a failed keyed call and re-raises it for the same key
# max-percent: 90

import asyncio
import functools
import inspect
import math
import random
import time


def retry(
    max_attempts=3,
    base_delay=0.5,
    max_delay=30.0,
    retry_on=(Exception,),
    jitter="full",
    sleep=time.sleep,
    rng=random.random,
):
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if not (jitter is None or jitter == "full"):
        raise ValueError(f"unknown jitter {jitter!r}")

    def delay_before(retry_number):
        try:
            raw = math.ldexp(base_delay, retry_number - 1)  # base_delay * 2**(k-1), exactly
        except OverflowError:
            raw = math.inf
        capped = min(max_delay, raw)
        return capped * rng() if jitter == "full" else capped

    def decorate(func):
        successes = {}  # idempotency key -> first successful result, one table per decorated function

        if inspect.iscoroutinefunction(func):
            pause = asyncio.sleep if sleep is time.sleep else sleep

            @functools.wraps(func)
            async def async_wrapper(*args, idempotency_key=None, **kwargs):
                if idempotency_key is not None and idempotency_key in successes:
                    if isinstance(successes[idempotency_key], BaseException):
                        raise successes[idempotency_key]
                    return successes[idempotency_key]
                attempt = 1
                while True:
                    try:
                        result = await func(*args, **kwargs)
                    except retry_on as exc:
                        if attempt >= max_attempts:
                            if idempotency_key is not None:
                                successes[idempotency_key] = exc
                            raise
                    else:
                        if idempotency_key is not None:
                            successes[idempotency_key] = result
                        return result
                    outcome = pause(delay_before(attempt))
                    if inspect.isawaitable(outcome):
                        await outcome
                    attempt += 1

            return async_wrapper

        @functools.wraps(func)
        def wrapper(*args, idempotency_key=None, **kwargs):
            if idempotency_key is not None and idempotency_key in successes:
                if isinstance(successes[idempotency_key], BaseException):
                    raise successes[idempotency_key]
                return successes[idempotency_key]
            attempt = 1
            while True:
                try:
                    result = func(*args, **kwargs)
                except retry_on as exc:
                    if attempt >= max_attempts:
                        if idempotency_key is not None:
                            successes[idempotency_key] = exc
                        raise
                else:
                    if idempotency_key is not None:
                        successes[idempotency_key] = result
                    return result
                sleep(delay_before(attempt))
                attempt += 1

        return wrapper

    return decorate
