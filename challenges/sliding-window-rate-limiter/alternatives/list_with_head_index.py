# alternative: a plain list per key with a moving start index, compacted when the dead prefix grows large

import math
import time


class _Bucket:
    __slots__ = ("stamps", "start")

    def __init__(self):
        self.stamps = []
        self.start = 0


class SlidingWindowRateLimiter:
    def __init__(self, max_requests, window_seconds, clock=time.monotonic):
        valid_count = isinstance(max_requests, int) and not isinstance(max_requests, bool) and max_requests >= 1
        valid_window = (
            isinstance(window_seconds, (int, float))
            and not isinstance(window_seconds, bool)
            and window_seconds > 0
            and math.isfinite(window_seconds)
        )
        if not valid_count:
            raise ValueError("max_requests must be an int >= 1")
        if not valid_window:
            raise ValueError("window_seconds must be a finite number > 0")
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._clock = clock
        self._buckets = {}

    def allow_request(self, key: str = "default") -> bool:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket()
        stamps, start = bucket.stamps, bucket.start
        threshold = now - self.window_seconds
        while start < len(stamps) and not (stamps[start] > threshold):
            start += 1
        if start > 1024 and start * 2 > len(stamps):
            del stamps[:start]
            start = 0
        bucket.start = start
        if len(stamps) - start < self.max_requests:
            stamps.append(now)
            return True
        return False
