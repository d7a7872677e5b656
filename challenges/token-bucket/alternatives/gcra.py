# alternative: GCRA-style: stores only the time at which the bucket will be full again, no level and no refill timestamp
"""The level is derived from `full_at`: capacity - (full_at - now) * rate, clamped at capacity.

Spending `cost` pushes `full_at` by cost / rate; an idle bucket's `full_at` falls behind
now, which is how time spent full is lost.
"""

import math


class TokenBucket:
    def __init__(self, capacity, refill_per_second, clock):
        if capacity <= 0 or refill_per_second <= 0:
            raise ValueError("capacity and refill_per_second must be positive")
        self.capacity = capacity
        self.rate = refill_per_second
        self.clock = clock
        self.full_at = clock()

    def _level(self, now):
        if self.full_at <= now:
            return float(self.capacity)
        return self.capacity - (self.full_at - now) * self.rate

    @property
    def tokens(self):
        return self._level(self.clock())

    def allow(self, cost=1.0):
        if cost <= 0:
            raise ValueError("cost must be positive")
        now = self.clock()
        if self._level(now) < cost:
            return False
        self.full_at = max(self.full_at, now) + cost / self.rate
        return True

    def retry_after(self, cost=1.0):
        if cost <= 0:
            raise ValueError("cost must be positive")
        if cost > self.capacity:
            return math.inf
        missing = cost - self._level(self.clock())
        return 0.0 if missing <= 0 else missing / self.rate


class TieredRateLimiter:
    def __init__(self, tiers, clock):
        for name, (capacity, rate) in tiers.items():
            if capacity < 1 or rate <= 0:
                raise ValueError(f"bad tier {name!r}")
        self.tiers = dict(tiers)
        self.clock = clock
        self.buckets = {}

    def check(self, user_id, tier):
        if tier not in self.tiers:
            raise KeyError(tier)
        capacity, rate = self.tiers[tier]
        bucket = self.buckets.get((user_id, tier))
        if bucket is None:
            bucket = self.buckets[(user_id, tier)] = TokenBucket(capacity, rate, self.clock)
        allowed = bucket.allow()
        now = self.clock()
        left = bucket._level(now)
        full_in = max(0.0, bucket.full_at - now)
        result = {
            "X-RateLimit-Limit": f"{math.floor(capacity):d}",
            "X-RateLimit-Remaining": f"{math.floor(left):d}",
            "X-RateLimit-Reset": f"{math.ceil(full_in):d}",
        }
        if not allowed:
            result["Retry-After"] = f"{math.ceil(bucket.retry_after(1)):d}"
        return {"allowed": allowed, "headers": result}
