"""Token bucket rate limiter: see prompt.md for the rules the grader checks."""


class TokenBucket:
    def __init__(self, capacity: float, refill_per_second: float, clock) -> None:
        """A full bucket of `capacity` tokens gaining `refill_per_second` per second of `clock()`.

        Both numbers must be > 0 (ValueError otherwise). `clock` is a zero-argument
        callable returning the current time in seconds.
        """
        raise NotImplementedError

    def allow(self, cost: float = 1.0) -> bool:
        """Refill, then take `cost` tokens and return True if there are enough; else False.

        ValueError if cost <= 0.
        """
        raise NotImplementedError

    @property
    def tokens(self) -> float:
        """The level refilled up to now (spends nothing)."""
        raise NotImplementedError

    def retry_after(self, cost: float = 1.0) -> float:
        """Seconds until allow(cost) would succeed: 0.0 if now, math.inf if cost > capacity.

        ValueError if cost <= 0.
        """
        raise NotImplementedError


class TieredRateLimiter:
    def __init__(self, tiers: dict[str, tuple[float, float]], clock) -> None:
        """`tiers` maps a tier name to (capacity >= 1, refill_per_second > 0); ValueError otherwise."""
        raise NotImplementedError

    def check(self, user_id: str, tier: str) -> dict:
        """Spend one token of the (user_id, tier) bucket.

        Returns {"allowed": bool, "headers": {...}} (see prompt.md); KeyError for an unknown tier.
        """
        raise NotImplementedError
