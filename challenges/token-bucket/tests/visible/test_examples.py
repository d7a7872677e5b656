import math

import pytest


class FakeClock:
    def __init__(self, start=0.0):
        self._now = float(start)

    def __call__(self):
        return self._now


def test_bucket_example(submission):
    clock = FakeClock(100)
    bucket = submission.TokenBucket(4, 0.5, clock)
    assert bucket.allow(3) is True
    assert bucket.allow(2) is False
    assert bucket.retry_after(2) == 2.0
    clock._now += 2.0
    assert bucket.allow(2) is True
    assert bucket.tokens == 0
    assert bucket.retry_after(5) == math.inf


def test_limiter_example(submission):
    clock = FakeClock(100)
    limiter = submission.TieredRateLimiter({"free": (2, 0.25)}, clock)
    limit = {"X-RateLimit-Limit": "2"}
    assert limiter.check("ann", "free") == {
        "allowed": True,
        "headers": {**limit, "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "4"},
    }
    assert limiter.check("ann", "free")["allowed"] is True
    assert limiter.check("ann", "free") == {
        "allowed": False,
        "headers": {**limit, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "8", "Retry-After": "4"},
    }
    assert limiter.check("bob", "free")["allowed"] is True


def test_invalid_arguments(submission):
    with pytest.raises(ValueError):
        submission.TokenBucket(0, 1, FakeClock())
    with pytest.raises(ValueError):
        submission.TokenBucket(1, 1, FakeClock()).allow(0)
