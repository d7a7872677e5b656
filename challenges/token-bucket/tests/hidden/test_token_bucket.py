"""Hidden suite for token-bucket: rules one by one, exact header rounding, oracle-driven state machines.

Every number fed to the submission is a multiple of 1/64 and every rate compared
exactly is a power of two, so the oracle's float arithmetic is exact and any
correct evaluation order gives bit-identical results (the prompt says so).
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from grader.testing import current_submission


class FakeClock:
    """Harness-side clock: the worker can only call it; only the test moves it."""

    # Sent to the worker with every call, so reading it there takes no round trip (grader.worker.rpc.Mirror).
    __rpc_mirror__ = ("__call__", "now", "monotonic", "time")

    def __init__(self, start=0.0):
        self._now = float(start)

    def __rpc_value__(self):
        return self._now

    def __call__(self):
        return self._now

    # read-only aliases, so a bucket that reads the clock as clock.now() still sees the fake time
    def now(self):
        return self._now

    def monotonic(self):
        return self._now

    def time(self):
        return self._now

    def _advance(self, seconds):
        self._now += seconds


# ---------------------------------------------------------------- the oracle


class ModelBucket:
    def __init__(self, capacity, rate, now):
        self.capacity = capacity
        self.rate = rate
        self.level = float(capacity)
        self.stamp = now

    def refill(self, now):
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.level

    def allow(self, cost, now):
        if self.refill(now) >= cost:
            self.level -= cost
            return True
        return False

    def retry_after(self, cost, now):
        if cost > self.capacity:
            return math.inf
        level = self.refill(now)
        return 0.0 if level >= cost else (cost - level) / self.rate


class ModelLimiter:
    def __init__(self, tiers):
        self.tiers = tiers
        self.buckets = {}

    def check(self, user, tier, now):
        capacity, rate = self.tiers[tier]
        bucket = self.buckets.setdefault((user, tier), ModelBucket(capacity, rate, now))
        allowed = bucket.allow(1, now)
        level = bucket.level
        headers = {
            "X-RateLimit-Limit": str(math.floor(capacity)),
            "X-RateLimit-Remaining": str(math.floor(level)),
            "X-RateLimit-Reset": str(math.ceil((capacity - level) / rate)),
        }
        if not allowed:
            headers["Retry-After"] = str(math.ceil((1 - level) / rate))
        return {"allowed": allowed, "headers": headers}


def headers(limit, remaining, reset, retry=None):
    result = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }
    if retry is not None:
        result["Retry-After"] = str(retry)
    return result


# ---------------------------------------------------------------- TokenBucket: validation


@pytest.mark.weight(2)
def test_non_positive_capacity_or_rate_raises_value_error(submission):
    for capacity, rate in [(0, 1), (-1, 1), (-0.5, 2), (4, 0), (4, -1), (4, -0.25), (0, 0)]:
        with pytest.raises(ValueError):
            submission.TokenBucket(capacity, rate, FakeClock())
    assert submission.TokenBucket(0.25, 0.125, FakeClock()).tokens == 0.25


def test_allow_rejects_a_non_positive_cost(submission):
    bucket = submission.TokenBucket(4, 1, FakeClock())
    for cost in [0, 0.0, -1, -0.25]:
        with pytest.raises(ValueError):
            bucket.allow(cost)
    assert bucket.tokens == 4


def test_retry_after_rejects_a_non_positive_cost(submission):
    bucket = submission.TokenBucket(4, 1, FakeClock())
    for cost in [0, -2]:
        with pytest.raises(ValueError):
            bucket.retry_after(cost)


# ---------------------------------------------------------------- TokenBucket: behaviour


@pytest.mark.weight(2)
def test_starts_full_at_construction_time(submission):
    clock = FakeClock(1000.5)
    bucket = submission.TokenBucket(3.5, 0.25, clock)
    assert bucket.tokens == 3.5
    clock._advance(100)
    assert bucket.tokens == 3.5
    assert bucket.allow(3.5) is True
    assert bucket.tokens == 0


@pytest.mark.weight(2)
def test_default_cost_is_one_token(submission):
    bucket = submission.TokenBucket(2, 1, FakeClock())
    assert bucket.allow() is True
    assert bucket.tokens == 1
    assert bucket.retry_after() == 0.0
    assert bucket.allow() is True
    assert bucket.allow() is False
    assert bucket.retry_after() == 1.0


@pytest.mark.weight(2)
def test_a_cost_equal_to_the_level_is_allowed(submission):
    bucket = submission.TokenBucket(3, 1, FakeClock())
    assert bucket.allow(1.5) is True
    assert bucket.allow(1.5) is True
    assert bucket.tokens == 0
    assert bucket.allow(0.25) is False


@pytest.mark.weight(2)
def test_a_refused_request_takes_nothing(submission):
    clock = FakeClock()
    bucket = submission.TokenBucket(2, 1, clock)
    assert bucket.allow(1.5) is True
    assert bucket.allow(1) is False
    assert bucket.allow(1) is False
    assert bucket.tokens == 0.5
    clock._advance(0.5)
    assert bucket.allow(1) is True
    assert bucket.tokens == 0


def test_tokens_is_a_float_even_for_whole_numbers(submission):
    # The prompt promises a float: a level capped at an int capacity must not become that int.
    clock = FakeClock(0)
    bucket = submission.TokenBucket(4, 1, clock)
    assert type(bucket.tokens) is float
    assert bucket.allow(2) is True
    clock._advance(10)
    assert bucket.tokens == 4 and type(bucket.tokens) is float
    assert bucket.allow(1) is True
    assert bucket.tokens == 3 and type(bucket.tokens) is float


@pytest.mark.weight(2)
def test_refill_is_linear_in_elapsed_time_and_capped(submission):
    clock = FakeClock(10)
    bucket = submission.TokenBucket(4, 0.5, clock)
    assert bucket.allow(4) is True
    clock._advance(1)
    assert bucket.tokens == 0.5
    clock._advance(2.5)
    assert bucket.tokens == 1.75
    clock._advance(100)
    assert bucket.tokens == 4
    assert bucket.allow(4) is True
    assert bucket.allow(0.125) is False


@pytest.mark.weight(3)
def test_time_spent_full_is_not_credited_later(submission):
    clock = FakeClock()
    bucket = submission.TokenBucket(4, 1, clock)
    clock._advance(10)  # full for 10 s
    assert bucket.allow(4) is True
    assert bucket.tokens == 0
    clock._advance(1)
    assert bucket.tokens == 1
    assert bucket.allow(2) is False
    clock._advance(1)
    assert bucket.allow(2) is True


@pytest.mark.weight(2)
def test_time_spent_full_is_lost_when_only_observed(submission):
    clock = FakeClock()
    bucket = submission.TokenBucket(2, 0.5, clock)
    assert bucket.allow(1) is True
    clock._advance(8)
    assert bucket.tokens == 2  # full again, refilled up to now
    assert bucket.retry_after(2) == 0.0
    clock._advance(8)
    assert bucket.allow(2) is True
    clock._advance(1)
    assert bucket.tokens == 0.5


@pytest.mark.weight(2)
def test_refill_is_counted_from_the_last_call_not_from_creation(submission):
    clock = FakeClock()
    bucket = submission.TokenBucket(10, 1, clock)
    assert bucket.allow(10) is True
    clock._advance(2)
    assert bucket.allow(2) is True
    clock._advance(1)
    assert bucket.tokens == 1
    assert bucket.allow(1) is True
    clock._advance(1)
    assert bucket.tokens == 1


@pytest.mark.weight(2)
def test_a_cost_above_capacity_is_always_refused(submission):
    clock = FakeClock()
    bucket = submission.TokenBucket(2, 4, clock)
    assert bucket.allow(2.25) is False
    clock._advance(1000)
    assert bucket.allow(2.25) is False
    assert bucket.tokens == 2
    assert bucket.allow(2) is True


@pytest.mark.weight(2)
def test_retry_after_values(submission):
    clock = FakeClock(5)
    bucket = submission.TokenBucket(4, 0.5, clock)
    assert bucket.retry_after(4) == 0.0
    assert bucket.retry_after(4.25) == math.inf
    assert bucket.allow(3) is True
    assert bucket.retry_after(1) == 0.0
    assert bucket.retry_after(2) == 2.0
    assert bucket.retry_after(4) == 6.0
    assert bucket.retry_after(100) == math.inf
    assert bucket.tokens == 1  # nothing was spent


@pytest.mark.weight(2)
def test_waiting_retry_after_is_exactly_enough(submission):
    clock = FakeClock()
    bucket = submission.TokenBucket(3, 0.25, clock)
    assert bucket.allow(2.5) is True
    wait = bucket.retry_after(1.5)
    assert wait == 4.0
    clock._advance(wait - 1 / 64)
    assert bucket.allow(1.5) is False
    clock._advance(1 / 64)
    assert bucket.allow(1.5) is True
    assert bucket.tokens == 0


def test_rate_that_is_not_a_power_of_two(submission):
    clock = FakeClock()
    bucket = submission.TokenBucket(10, 3, clock)
    assert bucket.allow(10) is True
    clock._advance(0.5)
    assert bucket.tokens == pytest.approx(1.5, abs=1e-9)
    assert bucket.retry_after(2) == pytest.approx(1 / 6, rel=1e-9)
    assert bucket.allow(2) is False
    clock._advance(0.25)
    assert bucket.allow(2) is True
    assert bucket.tokens == pytest.approx(0.25, abs=1e-9)
    assert bucket.retry_after(10) == pytest.approx(3.25, rel=1e-9)
    clock._advance(10)
    assert bucket.tokens == pytest.approx(10, abs=1e-9)


costs = st.integers(1, 80).map(lambda n: n / 4)  # 0.25 .. 20
durations = st.integers(0, 96).map(lambda n: n / 16)  # 0 .. 6 s
rates = st.sampled_from([0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0])
capacities = st.integers(1, 48).map(lambda n: n / 4)  # 0.25 .. 12


class BucketMachine(RuleBasedStateMachine):
    """Drives a bucket and the oracle with the same clock, comparing every answer exactly."""

    @initialize(capacity=capacities, rate=rates, start=st.integers(0, 10_000).map(lambda n: n / 8))
    def create(self, capacity, rate, start):
        self.clock = FakeClock(start)
        self.bucket = current_submission().TokenBucket(capacity, rate, self.clock)
        self.model = ModelBucket(capacity, rate, start)

    @rule(seconds=durations)
    def wait(self, seconds):
        self.clock._advance(seconds)

    @rule(cost=costs)
    def allow(self, cost):
        assert self.bucket.allow(cost) == self.model.allow(cost, self.clock())

    @rule()
    def allow_default(self):
        assert self.bucket.allow() == self.model.allow(1.0, self.clock())

    @rule(cost=costs)
    def retry_after(self, cost):
        assert self.bucket.retry_after(cost) == self.model.retry_after(cost, self.clock())

    @rule(cost=costs)
    def wait_exactly_retry_after_then_allow(self, cost):
        expected = self.model.retry_after(cost, self.clock())
        wait = self.bucket.retry_after(cost)
        assert wait == expected
        if wait != math.inf:
            self.clock._advance(wait)
            assert self.bucket.allow(cost) is True
            assert self.model.allow(cost, self.clock()) is True

    @precondition(lambda self: hasattr(self, "model"))
    @invariant()
    def same_level(self):
        assert self.bucket.tokens == self.model.refill(self.clock())


TestBucketMachine = pytest.mark.weight(5)(BucketMachine.TestCase)
TestBucketMachine.settings = settings(max_examples=80, stateful_step_count=25)


# ---------------------------------------------------------------- TieredRateLimiter


@pytest.mark.weight(2)
def test_invalid_tiers_raise_value_error(submission):
    for tiers in [
        {"free": (0.5, 1)},
        {"free": (0, 1)},
        {"free": (2, 0)},
        {"free": (2, -1)},
        {"ok": (10, 1), "bad": (0.75, 4)},
        {"ok": (10, 1), "bad": (3, -0.5)},
    ]:
        with pytest.raises(ValueError):
            submission.TieredRateLimiter(tiers, FakeClock())


def test_capacity_of_exactly_one_is_a_valid_tier(submission):
    limiter = submission.TieredRateLimiter({"tiny": (1, 0.125)}, FakeClock())
    assert limiter.check("u", "tiny") == {"allowed": True, "headers": headers(1, 0, 8)}


def test_unknown_tier_raises_key_error(submission):
    limiter = submission.TieredRateLimiter({"free": (2, 1)}, FakeClock())
    with pytest.raises(KeyError):
        limiter.check("ann", "gold")
    assert limiter.check("ann", "free")["allowed"] is True
    with pytest.raises(KeyError):
        limiter.check("ann", "Free")
    with pytest.raises(KeyError):
        submission.TieredRateLimiter({}, FakeClock()).check("ann", "free")


@pytest.mark.weight(2)
def test_prompt_example(submission):
    clock = FakeClock(100)
    limiter = submission.TieredRateLimiter({"free": (2, 0.25)}, clock)
    assert limiter.check("ann", "free") == {"allowed": True, "headers": headers(2, 1, 4)}
    assert limiter.check("ann", "free") == {"allowed": True, "headers": headers(2, 0, 8)}
    assert limiter.check("ann", "free") == {"allowed": False, "headers": headers(2, 0, 8, 4)}
    assert limiter.check("bob", "free") == {"allowed": True, "headers": headers(2, 1, 4)}


@pytest.mark.weight(2)
def test_header_values_are_integer_strings_and_keys_are_exact(submission):
    clock = FakeClock()
    limiter = submission.TieredRateLimiter({"pro": (3, 2)}, clock)
    first = limiter.check("u", "pro")
    assert set(first) == {"allowed", "headers"}
    assert set(first["headers"]) == {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert all(type(v) is str and v.isdigit() for v in first["headers"].values())
    limiter.check("u", "pro")
    limiter.check("u", "pro")
    denied = limiter.check("u", "pro")
    assert denied["allowed"] is False
    assert set(denied["headers"]) == {
        "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After",
    }  # fmt: skip
    assert all(type(v) is str and v.isdigit() for v in denied["headers"].values())


@pytest.mark.weight(2)
def test_fractional_capacity_is_floored_in_limit_and_remaining(submission):
    clock = FakeClock()
    limiter = submission.TieredRateLimiter({"odd": (2.75, 0.5)}, clock)
    assert limiter.check("u", "odd") == {"allowed": True, "headers": headers(2, 1, 2)}
    assert limiter.check("u", "odd") == {"allowed": True, "headers": headers(2, 0, 4)}
    # 0.75 left: refused, one token is 0.25 / 0.5 = 0.5 s away, full in 4 s
    assert limiter.check("u", "odd") == {"allowed": False, "headers": headers(2, 0, 4, 1)}


@pytest.mark.weight(3)
def test_rounding_is_exact_at_integer_boundaries(submission):
    clock = FakeClock()
    limiter = submission.TieredRateLimiter({"t": (3, 0.5)}, clock)
    # 2 tokens left: Remaining exactly 2, Reset exactly (3 - 2) / 0.5 = 2 s
    assert limiter.check("u", "t") == {"allowed": True, "headers": headers(3, 2, 2)}
    assert limiter.check("u", "t") == {"allowed": True, "headers": headers(3, 1, 4)}
    assert limiter.check("u", "t") == {"allowed": True, "headers": headers(3, 0, 6)}
    # empty: Retry-After exactly 1 / 0.5 = 2 s, Reset exactly 6 s
    assert limiter.check("u", "t") == {"allowed": False, "headers": headers(3, 0, 6, 2)}
    clock._advance(0.25)  # 0.125 tokens: 1.75 s to one token, 5.75 s to full
    assert limiter.check("u", "t") == {"allowed": False, "headers": headers(3, 0, 6, 2)}
    clock._advance(0.75)  # 0.5 tokens: exactly 1 s to one token, exactly 5 s to full
    assert limiter.check("u", "t") == {"allowed": False, "headers": headers(3, 0, 5, 1)}
    clock._advance(1)  # exactly 1 token: allowed, none left
    assert limiter.check("u", "t") == {"allowed": True, "headers": headers(3, 0, 6)}
    clock._advance(3.5)  # 1.75 tokens
    assert limiter.check("u", "t") == {"allowed": True, "headers": headers(3, 0, 5)}


@pytest.mark.weight(2)
def test_remaining_counts_the_token_just_taken(submission):
    clock = FakeClock()
    limiter = submission.TieredRateLimiter({"big": (100, 8)}, clock)
    assert limiter.check("u", "big")["headers"]["X-RateLimit-Remaining"] == "99"
    assert limiter.check("u", "big")["headers"]["X-RateLimit-Remaining"] == "98"
    clock._advance(1)
    assert limiter.check("u", "big") == {"allowed": True, "headers": headers(100, 99, 1)}


@pytest.mark.weight(2)
def test_one_bucket_per_user_and_tier(submission):
    clock = FakeClock()
    limiter = submission.TieredRateLimiter({"free": (1, 0.25), "pro": (2, 1)}, clock)
    assert limiter.check("ann", "free")["allowed"] is True
    assert limiter.check("ann", "free")["allowed"] is False
    assert limiter.check("bob", "free")["allowed"] is True
    assert limiter.check("ann", "pro") == {"allowed": True, "headers": headers(2, 1, 1)}
    assert limiter.check("ann", "free") == {"allowed": False, "headers": headers(1, 0, 4, 4)}
    clock._advance(4)
    assert limiter.check("ann", "free")["allowed"] is True
    assert limiter.check("", "free")["allowed"] is True


@pytest.mark.weight(2)
def test_a_bucket_starts_full_when_its_pair_is_first_checked(submission):
    clock = FakeClock()
    limiter = submission.TieredRateLimiter({"free": (2, 0.125)}, clock)
    assert limiter.check("ann", "free")["allowed"] is True
    assert limiter.check("ann", "free")["allowed"] is True
    clock._advance(4)
    assert limiter.check("bob", "free") == {"allowed": True, "headers": headers(2, 1, 8)}
    assert limiter.check("ann", "free") == {"allowed": False, "headers": headers(2, 0, 12, 4)}


users = st.sampled_from(["ann", "bob", ""])
TIERS = {"free": (2, 0.25), "pro": (5.5, 2.0), "tiny": (1, 0.125), "wide": (12.25, 0.5)}
tier_names = st.sampled_from([*TIERS, "gold"])


class LimiterMachine(RuleBasedStateMachine):
    """Checks (user, tier) pairs against the oracle, headers included, while time passes."""

    @initialize(start=st.integers(0, 1000).map(lambda n: n / 4))
    def create(self, start):
        self.clock = FakeClock(start)
        self.limiter = current_submission().TieredRateLimiter(dict(TIERS), self.clock)
        self.model = ModelLimiter(TIERS)

    @rule(seconds=durations)
    def wait(self, seconds):
        self.clock._advance(seconds)

    @rule(user=users, tier=tier_names)
    def check(self, user, tier):
        if tier not in TIERS:
            with pytest.raises(KeyError):
                self.limiter.check(user, tier)
            return
        assert self.limiter.check(user, tier) == self.model.check(user, tier, self.clock())


TestLimiterMachine = pytest.mark.weight(5)(LimiterMachine.TestCase)
TestLimiterMachine.settings = settings(max_examples=60, stateful_step_count=30)


# ---------------------------------------------------------------- generated validation

non_positive = st.integers(-40, 0).map(lambda n: n / 4)  # -10 .. 0
tier_capacities = st.integers(4, 48).map(lambda n: n / 4)  # 1 .. 12
bad_tiers = st.one_of(
    st.tuples(st.integers(-8, 3).map(lambda n: n / 4), rates),  # capacity below 1
    st.tuples(tier_capacities, non_positive),  # rate not above 0
)


@settings(max_examples=40)
@given(
    params=st.one_of(
        st.tuples(non_positive, st.one_of(rates, non_positive)),
        st.tuples(capacities, non_positive),
    )
)
def test_any_non_positive_capacity_or_rate_raises_value_error(submission, params):
    capacity, rate = params
    with pytest.raises(ValueError):
        submission.TokenBucket(capacity, rate, FakeClock())


@settings(max_examples=40)
@given(
    capacity=capacities,
    rate=rates,
    spend=costs,
    cost=non_positive,
    method=st.sampled_from(["allow", "retry_after"]),
)
def test_any_non_positive_cost_raises_value_error_and_spends_nothing(submission, capacity, rate, spend, cost, method):
    clock = FakeClock()
    bucket = submission.TokenBucket(capacity, rate, clock)
    model = ModelBucket(capacity, rate, clock())
    assert bucket.allow(spend) == model.allow(spend, clock())
    with pytest.raises(ValueError):
        getattr(bucket, method)(cost)
    assert bucket.tokens == model.refill(clock())


@settings(max_examples=40)
@given(
    good=st.dictionaries(st.sampled_from(["free", "pro", "team"]), st.tuples(tier_capacities, rates), max_size=3),
    bad_name=st.sampled_from(["free", "gold", ""]),
    bad=bad_tiers,
)
def test_any_tiers_with_an_invalid_tier_raise_value_error(submission, good, bad_name, bad):
    with pytest.raises(ValueError):
        submission.TieredRateLimiter({**good, bad_name: bad}, FakeClock())
