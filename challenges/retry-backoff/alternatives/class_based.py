# alternative: a decorator class whose delays come from repeated doubling (no powers), with a sentinel default sleep

import asyncio
import inspect
import random
import time
from functools import update_wrapper

_NOTHING = object()


class retry:
    def __init__(
        self,
        max_attempts=3,
        base_delay=0.5,
        max_delay=30.0,
        retry_on=(Exception,),
        jitter="full",
        sleep=time.sleep,
        rng=random.random,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if jitter is not None and jitter != "full":
            raise ValueError("jitter must be 'full' or None")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.retry_on = retry_on
        self.jitter = jitter
        self.sleep = sleep
        self.rng = rng

    def _schedule(self):
        """Delays before retry 1, 2, ...: doubling is exact, and overflows to inf instead of raising."""
        raw = float(self.base_delay)
        while True:
            delay = min(self.max_delay, raw)
            if self.jitter == "full":
                delay = delay * self.rng()
            yield delay
            if raw < self.max_delay:
                raw = raw * 2

    def __call__(self, func):
        memo = {}
        if asyncio.iscoroutinefunction(func):
            return update_wrapper(self._async_wrapper(func, memo), func)
        return update_wrapper(self._sync_wrapper(func, memo), func)

    def _sync_wrapper(self, func, memo):
        def call(*args, idempotency_key=None, **kwargs):
            if idempotency_key is not None:
                found = memo.get(idempotency_key, _NOTHING)
                if found is not _NOTHING:
                    return found
            delays = self._schedule()
            for attempt in range(1, self.max_attempts + 1):
                try:
                    value = func(*args, **kwargs)
                except BaseException as exc:
                    if not isinstance(exc, self.retry_on) or attempt == self.max_attempts:
                        raise
                    self.sleep(next(delays))
                    continue
                if idempotency_key is not None:
                    memo[idempotency_key] = value
                return value

        return call

    def _async_wrapper(self, func, memo):
        async def call(*args, idempotency_key=None, **kwargs):
            if idempotency_key is not None:
                found = memo.get(idempotency_key, _NOTHING)
                if found is not _NOTHING:
                    return found
            delays = self._schedule()
            nap = asyncio.sleep if self.sleep is time.sleep else self.sleep
            for attempt in range(1, self.max_attempts + 1):
                try:
                    value = await func(*args, **kwargs)
                except BaseException as exc:
                    if not isinstance(exc, self.retry_on) or attempt == self.max_attempts:
                        raise
                    pending = nap(next(delays))
                    if inspect.isawaitable(pending):
                        await pending
                    continue
                if idempotency_key is not None:
                    memo[idempotency_key] = value
                return value

        return call
