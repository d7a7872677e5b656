"""Reference: a lazily refilled token bucket, and a limiter keeping one bucket per (user, tier)."""

import math


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


class TokenBucket:
    def __init__(self, capacity: float, refill_per_second: float, clock) -> None:
        self._capacity = float(_positive("capacity", capacity))
        self._rate = _positive("refill_per_second", refill_per_second)
        self._clock = clock
        self._level = float(capacity)
        self._stamp = clock()

    @property
    def capacity(self) -> float:
        return self._capacity

    @property
    def refill_per_second(self) -> float:
        return self._rate

    def _refill(self) -> float:
        now = self._clock()
        elapsed = now - self._stamp
        if elapsed > 0:
            self._level = min(self._capacity, self._level + elapsed * self._rate)
        self._stamp = now  # advances even when the bucket is full
        return self._level

    def allow(self, cost: float = 1.0) -> bool:
        _positive("cost", cost)
        if self._refill() >= cost:
            self._level -= cost
            return True
        return False

    @property
    def tokens(self) -> float:
        return self._refill()

    def retry_after(self, cost: float = 1.0) -> float:
        _positive("cost", cost)
        if cost > self._capacity:
            return math.inf
        level = self._refill()
        if level >= cost:
            return 0.0
        return (cost - level) / self._rate


class TieredRateLimiter:
    def __init__(self, tiers: dict[str, tuple[float, float]], clock) -> None:
        self._tiers = {}
        for name, (capacity, rate) in tiers.items():
            if not capacity >= 1:
                raise ValueError(f"tier {name!r}: capacity must be at least 1")
            _positive(f"tier {name!r}: refill_per_second", rate)
            self._tiers[name] = (capacity, rate)
        self._clock = clock
        self._buckets = {}

    def check(self, user_id: str, tier: str) -> dict:
        capacity, rate = self._tiers[tier]  # KeyError for an unknown tier
        key = (user_id, tier)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(capacity, rate, self._clock)
        allowed = bucket.allow(1)
        level = bucket.tokens
        headers = {
            "X-RateLimit-Limit": str(math.floor(capacity)),
            "X-RateLimit-Remaining": str(math.floor(level)),
            "X-RateLimit-Reset": str(math.ceil((capacity - level) / rate)),
        }
        if not allowed:
            headers["Retry-After"] = str(math.ceil((1 - level) / rate))
        return {"allowed": allowed, "headers": headers}
