"""Reference: one deque of allowed timestamps per key, expired ones dropped from the left."""

import math
import time
from collections import deque


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class SlidingWindowRateLimiter:
    def __init__(self, max_requests: int, window_seconds: float, clock=time.monotonic) -> None:
        if not isinstance(max_requests, int) or isinstance(max_requests, bool) or max_requests < 1:
            raise ValueError("max_requests must be an int >= 1")
        if not _is_number(window_seconds) or not math.isfinite(window_seconds) or window_seconds <= 0:
            raise ValueError("window_seconds must be a finite number > 0")
        self._max_requests = max_requests
        self._window = window_seconds
        self._clock = clock
        self._allowed = {}  # key -> deque of the timestamps of its allowed requests, oldest first

    def allow_request(self, key: str = "default") -> bool:
        now = self._clock()
        stamps = self._allowed.get(key)
        if stamps is None:
            stamps = self._allowed[key] = deque()
        cutoff = now - self._window
        # Timestamps arrive in order (the clock never goes backwards), so the expired ones are at the left.
        while stamps and not stamps[0] > cutoff:
            stamps.popleft()
        if len(stamps) < self._max_requests:
            stamps.append(now)
            return True
        return False
