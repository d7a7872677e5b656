# wrong: validation with plain comparisons: accepts bools, 2.0, nan and inf, and raises TypeError for strings and None
# max-percent: 90

import time
from collections import defaultdict, deque


class SlidingWindowRateLimiter:
    def __init__(self, max_requests, window_seconds, clock=time.monotonic):
        if max_requests < 1:
            raise ValueError("max_requests must be positive")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.max_requests = max_requests
        self.window = window_seconds
        self.clock = clock
        self.log = defaultdict(deque)

    def allow_request(self, key="default"):
        now = self.clock()
        stamps = self.log[key]
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) < self.max_requests:
            stamps.append(now)
            return True
        return False
