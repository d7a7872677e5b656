# wrong: rebuilds the key's list of live timestamps on every request: right answers, O(max_requests) per request
# max-percent: 95

import math
import time


class SlidingWindowRateLimiter:
    def __init__(self, max_requests, window_seconds, clock=time.monotonic):
        if not isinstance(max_requests, int) or isinstance(max_requests, bool) or max_requests < 1:
            raise ValueError("max_requests")
        if (
            not isinstance(window_seconds, (int, float))
            or isinstance(window_seconds, bool)
            or not math.isfinite(window_seconds)
            or window_seconds <= 0
        ):
            raise ValueError("window_seconds")
        self.max_requests = max_requests
        self.window = window_seconds
        self.clock = clock
        self.log = {}

    def allow_request(self, key="default"):
        now = self.clock()
        live = [s for s in self.log.get(key, []) if s > now - self.window]
        self.log[key] = live
        if len(live) < self.max_requests:
            live.append(now)
            return True
        return False
