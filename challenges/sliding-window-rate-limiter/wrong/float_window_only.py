# wrong: insists on a float window and rejects an int window such as 10 with ValueError
# max-percent: 70

import math
import time
from collections import defaultdict, deque


class SlidingWindowRateLimiter:
    def __init__(self, max_requests, window_seconds, clock=time.monotonic):
        if not isinstance(max_requests, int) or isinstance(max_requests, bool) or max_requests < 1:
            raise ValueError("max_requests")
        if not isinstance(window_seconds, float) or not math.isfinite(window_seconds) or window_seconds <= 0:
            raise ValueError("window_seconds")
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
