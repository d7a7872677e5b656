"""Retry decorator with exponential backoff: see prompt.md for the rules the grader checks."""

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
    """Return a decorator that retries a sync or async function with exponential backoff.

    Raises ValueError at once if max_attempts < 1 or jitter is neither "full" nor None.
    The delay before retry k (k = 1 before the second attempt) is
    min(max_delay, base_delay * 2 ** (k - 1)), times rng() when jitter == "full".
    The decorated function accepts an extra keyword argument `idempotency_key`.
    """
    raise NotImplementedError
