import pytest


class Clock:
    """A fake clock: returns `now`, which the test sets."""

    def __init__(self, now=0.0):
        self._now = now

    def __call__(self):
        return self._now


def test_prompt_example(submission):
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(2, 10.0, clock)
    assert limiter.allow_request("alice") is True
    clock._now = 4.0
    assert limiter.allow_request("alice") is True
    assert limiter.allow_request("alice") is False
    assert limiter.allow_request("bob") is True
    clock._now = 10.0
    assert limiter.allow_request("alice") is True
    assert limiter.allow_request("alice") is False


def test_invalid_arguments_raise_value_error(submission):
    with pytest.raises(ValueError):
        submission.SlidingWindowRateLimiter(0, 10.0)
    with pytest.raises(ValueError):
        submission.SlidingWindowRateLimiter(1, float("nan"))
