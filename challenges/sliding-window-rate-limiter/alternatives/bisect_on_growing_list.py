# alternative: every allowed timestamp kept in a per-key list (sorted as it grows); live ones counted with bisect

import math
import time
from bisect import bisect_right


class SlidingWindowRateLimiter:
    def __init__(self, max_requests, window_seconds, clock=time.monotonic):
        if type(max_requests) is bool or not isinstance(max_requests, int) or max_requests < 1:
            raise ValueError(f"max_requests must be an int >= 1, got {max_requests!r}")
        if type(window_seconds) is bool or not isinstance(window_seconds, (int, float)):
            raise ValueError(f"window_seconds must be a number, got {window_seconds!r}")
        if not (math.isfinite(window_seconds) and window_seconds > 0):
            raise ValueError(f"window_seconds must be finite and > 0, got {window_seconds!r}")
        self._limit = max_requests
        self._window = window_seconds
        self._clock = clock
        self._history = {}

    def allow_request(self, key="default"):
        t = self._clock()
        history = self._history.setdefault(key, [])
        # Entries after bisect_right(history, t - w) are exactly those with s > t - w.
        live = len(history) - bisect_right(history, t - self._window)
        if live >= self._limit:
            return False
        history.append(t)
        return True
