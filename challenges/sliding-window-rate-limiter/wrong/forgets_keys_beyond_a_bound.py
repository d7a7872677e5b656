# wrong: keeps the windows of at most 10,000 keys (an LRU-bounded dict): a new key evicts the least recently seen key's window, which then starts afresh
# max-percent: 93

import math
import time
from collections import OrderedDict, deque

MAX_KEYS = 10_000


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
        self._allowed = OrderedDict()  # key -> deque of timestamps, least recently seen key first

    def allow_request(self, key: str = "default") -> bool:
        now = self._clock()
        stamps = self._allowed.get(key)
        if stamps is None:
            stamps = self._allowed[key] = deque()
            if len(self._allowed) > MAX_KEYS:
                self._allowed.popitem(last=False)  # forget the least recently seen key
        else:
            self._allowed.move_to_end(key)
        cutoff = now - self._window
        while stamps and not stamps[0] > cutoff:
            stamps.popleft()
        if len(stamps) < self._max_requests:
            stamps.append(now)
            return True
        return False
