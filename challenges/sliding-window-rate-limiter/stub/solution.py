"""Sliding-window rate limiter: see prompt.md for the rules the grader checks."""

import time


class SlidingWindowRateLimiter:
    def __init__(self, max_requests: int, window_seconds: float, clock=time.monotonic) -> None:
        """Allow at most `max_requests` requests per key in any window of `window_seconds`.

        ValueError unless max_requests is an int >= 1 (not a bool) and window_seconds
        is an int or float (not a bool), finite and > 0. Must not call `clock`.
        """
        raise NotImplementedError

    def allow_request(self, key: str = "default") -> bool:
        """Read the clock once (time t); allow and record the request iff fewer than
        max_requests recorded requests of `key` have a timestamp s with s > t - window_seconds."""
        raise NotImplementedError
