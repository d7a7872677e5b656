# wrong: the seed's single-deque idea, rewritten around the given clock: one window shared by every key, no validation
# max-percent: 50

import time
from collections import deque


class SlidingWindowRateLimiter:
    def __init__(self, max_requests, window_seconds, clock=time.monotonic):
        self._limit = max_requests
        self._span = window_seconds
        self._now = clock
        self._stamps = deque()  # shared by all keys: the bug

    def allow_request(self, key="default"):
        t = self._now()
        cutoff = t - self._span
        while len(self._stamps) > 0 and not self._stamps[0] > cutoff:
            self._stamps.popleft()
        if len(self._stamps) >= self._limit:
            return False
        self._stamps.append(t)
        return True
