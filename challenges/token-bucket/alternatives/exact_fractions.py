# alternative: exact rational arithmetic with fractions.Fraction and a flat dict of (level, stamp) pairs for the limiter
import math
from fractions import Fraction


def _refilled(level, stamp, now, capacity, rate):
    return min(capacity, level + (now - stamp) * rate)


class TokenBucket:
    def __init__(self, capacity, refill_per_second, clock):
        if not (capacity > 0 and refill_per_second > 0):
            raise ValueError("capacity and refill_per_second must be > 0")
        self._cap = Fraction(capacity)
        self._rate = Fraction(refill_per_second)
        self._clock = clock
        self._level = self._cap
        self._stamp = Fraction(clock())

    def _now_level(self):
        now = Fraction(self._clock())
        self._level = _refilled(self._level, self._stamp, now, self._cap, self._rate)
        self._stamp = now
        return self._level

    def allow(self, cost=1.0):
        if not cost > 0:
            raise ValueError("cost must be > 0")
        cost = Fraction(cost)
        level = self._now_level()
        if level < cost:
            return False
        self._level = level - cost
        return True

    @property
    def tokens(self):
        return float(self._now_level())

    def retry_after(self, cost=1.0):
        if not cost > 0:
            raise ValueError("cost must be > 0")
        cost = Fraction(cost)
        if cost > self._cap:
            return math.inf
        missing = cost - self._now_level()
        return float(max(Fraction(0), missing / self._rate))


class TieredRateLimiter:
    def __init__(self, tiers, clock):
        self._tiers = {}
        for name, pair in tiers.items():
            capacity, rate = pair
            if not (capacity >= 1 and rate > 0):
                raise ValueError(f"tier {name!r} is invalid")
            self._tiers[name] = (Fraction(capacity), Fraction(rate))
        self._clock = clock
        self._state = {}  # (user, tier) -> [level, stamp]

    def check(self, user_id, tier):
        try:
            capacity, rate = self._tiers[tier]
        except KeyError:
            raise KeyError(f"unknown tier {tier!r}") from None
        now = Fraction(self._clock())
        level, stamp = self._state.get((user_id, tier), (capacity, now))
        level = _refilled(level, stamp, now, capacity, rate)
        allowed = level >= 1
        if allowed:
            level -= 1
        self._state[(user_id, tier)] = (level, now)
        headers = {
            "X-RateLimit-Limit": str(math.floor(capacity)),
            "X-RateLimit-Remaining": str(math.floor(level)),
            "X-RateLimit-Reset": str(math.ceil((capacity - level) / rate)),
        }
        if not allowed:
            headers["Retry-After"] = str(math.ceil((1 - level) / rate))
        return {"allowed": allowed, "headers": headers}
