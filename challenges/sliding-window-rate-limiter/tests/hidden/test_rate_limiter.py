"""Hidden suite for sliding-window-rate-limiter.

Every clock is a harness object passed by reference: the worker calls it back,
and the call counts live here. The performance test alone uses a clock that
lives in the worker (see driver/driver.py), to avoid a round trip per request.
"""

import math
from collections import defaultdict, deque

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from grader.testing import current_submission, run_batch


class Clock:
    """A fake clock the test sets by hand; counts its calls (private names: the worker cannot read them)."""

    def __init__(self, now=0.0):
        self._now = now
        self._calls = 0

    def __call__(self):
        self._calls += 1
        return self._now


class ScriptedClock:
    """Returns the given times one per call (the last one again if called too often), counting calls."""

    def __init__(self, times):
        self._times = list(times)
        self._calls = 0

    def __call__(self):
        now = self._times[min(self._calls, len(self._times) - 1)]
        self._calls += 1
        return now


class Model:
    """The oracle: the rule as written, one list of allowed timestamps per key."""

    def __init__(self, max_requests, window_seconds):
        self.allowed = defaultdict(list)
        self.window = window_seconds
        self.max_requests = max_requests

    def allow(self, key, t):
        live = [s for s in self.allowed[key] if s > t - self.window]
        if len(live) < self.max_requests:
            self.allowed[key].append(t)
            return True
        return False


def model_answers(max_requests, window, requests):
    model = Model(max_requests, window)
    return [model.allow(key, t) for key, t in requests]


def fast_model_answers(max_requests, window, requests):
    """The same answers with a deque per key, for the big input (checked against Model at import)."""
    allowed = defaultdict(deque)
    answers = []
    for key, t in requests:
        stamps = allowed[key]
        while stamps and not stamps[0] > t - window:
            stamps.popleft()
        if len(stamps) < max_requests:
            stamps.append(t)
            answers.append(True)
        else:
            answers.append(False)
    return answers


def run_requests(submission, max_requests, window, requests):
    """All requests in one batch; the clock (harness side) is called back by the worker."""
    clock = ScriptedClock([t for _, t in requests] or [0.0])
    limiter = submission.SlidingWindowRateLimiter(max_requests, window, clock)
    assert clock._calls == 0, "the constructor called the clock"
    answers = run_batch(limiter, [["allow_request", [key]] for key, _ in requests], bound_s=30)
    assert clock._calls == len(requests), f"clock called {clock._calls} times for {len(requests)} requests"
    return answers


def assert_bools(answers):
    for answer in answers:
        assert type(answer) is bool, f"allow_request returned {answer!r}, not a bool"


# ------------------------------------------------------------------ examples and rules


def test_prompt_example(submission):
    """Behaves as in the prompt's example."""
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


def test_allows_up_to_max_requests_at_the_same_instant(submission):
    """Allows max_requests requests at the same time and denies the rest."""
    limiter = submission.SlidingWindowRateLimiter(3, 1.0, Clock(5.0))
    assert [limiter.allow_request("k") for _ in range(5)] == [True, True, True, False, False]


def test_max_requests_one(submission):
    """Allows one request per window when max_requests is 1."""
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(1, 2.0, clock)
    assert limiter.allow_request() is True
    clock._now = 1.999
    assert limiter.allow_request() is False
    clock._now = 2.0
    assert limiter.allow_request() is True


def test_returns_real_bools(submission):
    """Returns a real bool from allow_request."""
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(1, 1.0, clock)
    answers = [limiter.allow_request("x"), limiter.allow_request("x")]
    assert_bools(answers)
    assert answers == [True, False]


@pytest.mark.weight(2)
def test_request_exactly_one_window_old_no_longer_counts(submission):
    """Stops counting a request that is exactly window_seconds old."""
    clock = Clock(0)
    limiter = submission.SlidingWindowRateLimiter(2, 10, clock)  # integer times: no rounding at all
    assert limiter.allow_request("k") is True
    clock._now = 3
    assert limiter.allow_request("k") is True
    clock._now = 9
    assert limiter.allow_request("k") is False
    clock._now = 10  # 0 > 10 - 10 is false: the request at 0 has left the window
    assert limiter.allow_request("k") is True
    assert limiter.allow_request("k") is False  # 3 and 10 are in (0, 10]
    clock._now = 12.999
    assert limiter.allow_request("k") is False
    clock._now = 13
    assert limiter.allow_request("k") is True


@pytest.mark.parametrize(
    "s, t, window, counts",
    [
        # t - window rounds to exactly s: expired, although t - s < window holds in floats.
        (0.4, 0.5, 0.1, False),
        # t - window rounds just below s: still counts, although s + window > t is false in floats.
        (0.5, 0.7, 0.2, True),
        # t - window rounds just below s: still counts, although t - s < window is false in floats.
        (0.6, 1.7, 1.1, True),
        # both other forms say expired; s > t - window says it still counts.
        (0.1, 0.6, 0.5, True),
        # exact boundary in floats too: expired.
        (0.0, 0.1, 0.1, False),
    ],
)
def test_float_boundary_uses_s_greater_than_t_minus_window(submission, s, t, window, counts):
    """Evaluates s > t - window_seconds exactly as written, for floats where other forms round differently."""
    assert (s > t - window) is counts  # what the rule says, evaluated here
    clock = Clock(s)
    limiter = submission.SlidingWindowRateLimiter(1, window, clock)
    assert limiter.allow_request("k") is True
    clock._now = t
    assert limiter.allow_request("k") is (not counts)


@pytest.mark.weight(2)
def test_denied_requests_are_not_recorded(submission):
    """Does not record denied requests: they never count against later requests."""
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(1, 10.0, clock)
    assert limiter.allow_request("k") is True
    for now in (1.0, 5.0, 9.5):
        clock._now = now
        assert limiter.allow_request("k") is False
    clock._now = 10.0  # only the request at 0 was recorded, and it has just expired
    assert limiter.allow_request("k") is True


def test_denied_requests_are_not_recorded_with_a_bigger_budget(submission):
    """Does not record denied requests when max_requests is above 1."""
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(2, 5.0, clock)
    assert limiter.allow_request() is True
    clock._now = 1.0
    assert limiter.allow_request() is True
    clock._now = 2.0
    assert [limiter.allow_request() for _ in range(4)] == [False] * 4
    clock._now = 5.0
    assert limiter.allow_request() is True  # 0 expired; 1 remains
    assert limiter.allow_request() is False
    clock._now = 6.0
    assert limiter.allow_request() is True  # 1 expired; 5 remains


@pytest.mark.weight(2)
def test_keys_are_independent(submission):
    """Gives each key, the empty string included, its own window and budget."""
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(2, 10.0, clock)
    assert [limiter.allow_request("a") for _ in range(3)] == [True, True, False]
    assert [limiter.allow_request("b") for _ in range(3)] == [True, True, False]
    assert limiter.allow_request("") is True
    assert limiter.allow_request("ключ") is True
    clock._now = 5.0
    assert limiter.allow_request("c") is True
    clock._now = 10.0
    assert limiter.allow_request("a") is True
    assert limiter.allow_request("a") is True
    assert limiter.allow_request("a") is False
    assert limiter.allow_request("c") is True  # c's request at 5 still counts, but its budget is 2
    assert limiter.allow_request("c") is False


def flood_keys(count):
    """`count` distinct keys, none of them used anywhere else in the suite."""
    return [f"flood-{i}" for i in range(count)]


@pytest.mark.weight(2)
def test_keys_are_independent_however_many_keys_are_seen(submission, driver):
    """Keeps every key's window however many other keys are seen: there is no limit on the number of keys."""
    # A limiter that keeps only the N most recently seen keys forgets "first" (and the early
    # flood keys) once more than N other keys have been seen: they would be allowed again.
    others = flood_keys(20_000)
    requests = [("first", 0.0)] * 3 + [(key, 1.0) for key in others]
    requests += [("first", 2.0), (others[0], 2.0), (others[0], 2.0), (others[-1], 2.0), ("first", 2.0)]
    expected = [True, True, False] + [True] * len(others) + [False, True, False, True, False]
    assert fast_model_answers(2, 1000.0, requests) == expected
    clock = driver.list_clock([t for _, t in requests])  # lives in the worker: no round trip per request
    limiter = submission.SlidingWindowRateLimiter(2, 1000.0, clock)
    # The reference takes well under a second; the bound only stops a runaway submission.
    answers = run_batch(limiter, [["allow_request", [key]] for key, _ in requests], bound_s=30)
    assert answers[:3] == expected[:3]
    assert answers[-5:] == expected[-5:], "a key's window was forgotten after 20,000 other keys were seen"
    assert answers == expected
    assert clock.calls == len(requests)


def test_default_key_is_the_string_default(submission):
    """Uses the key "default" when allow_request is called without a key."""
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(2, 10.0, clock)
    assert limiter.allow_request() is True
    assert limiter.allow_request("default") is True
    assert limiter.allow_request() is False
    assert limiter.allow_request(key="default") is False
    assert limiter.allow_request(key="other") is True


def test_integer_window_and_integer_times(submission):
    """Works with an int window_seconds and a clock that returns ints."""
    clock = Clock(100)
    limiter = submission.SlidingWindowRateLimiter(2, 3, clock)
    assert limiter.allow_request("k") is True
    clock._now = 101
    assert limiter.allow_request("k") is True
    clock._now = 102
    assert limiter.allow_request("k") is False
    clock._now = 103
    assert limiter.allow_request("k") is True


def test_tiny_and_huge_windows(submission):
    """Works with very small and very large window_seconds."""
    clock = Clock(1.0)
    tiny = submission.SlidingWindowRateLimiter(1, 1e-9, clock)
    assert tiny.allow_request() is True
    assert tiny.allow_request() is False
    clock._now = 1.0 + 2e-9
    assert tiny.allow_request() is True
    huge = submission.SlidingWindowRateLimiter(1, 1e9, clock)
    assert huge.allow_request() is True
    clock._now = 5e8
    assert huge.allow_request() is False


def test_default_clock_works(submission):
    """Uses time.monotonic when no clock is given."""
    limiter = submission.SlidingWindowRateLimiter(2, 3600)  # time.monotonic: nothing expires during the test
    assert [limiter.allow_request("k") for _ in range(3)] == [True, True, False]
    assert limiter.allow_request() is True


# ------------------------------------------------------------------ the clock


@pytest.mark.weight(2)
def test_constructor_does_not_call_the_clock(submission):
    """Does not call the clock in the constructor."""
    clock = Clock(0.0)
    first = submission.SlidingWindowRateLimiter(3, 1.0, clock)
    second = submission.SlidingWindowRateLimiter(1, 0.5, clock=clock)
    assert clock._calls == 0
    del first, second


@pytest.mark.weight(2)
def test_clock_is_called_exactly_once_per_request(submission):
    """Calls the clock exactly once per allow_request, allowed or denied."""
    clock = Clock(0.0)
    limiter = submission.SlidingWindowRateLimiter(2, 1.0, clock)
    expected_calls = 0
    for now, key in [(0.0, "a"), (0.0, "a"), (0.0, "a"), (0.5, "b"), (1.0, "a"), (1.0, "a"), (3.0, "c"), (3.0, "a")]:
        clock._now = now
        limiter.allow_request(key)
        expected_calls += 1
        assert clock._calls == expected_calls, f"{clock._calls} clock calls after {expected_calls} requests"
    limiter.allow_request()
    assert clock._calls == expected_calls + 1


# ------------------------------------------------------------------ validation


def assert_rejected(submission, max_requests, window):
    clock = Clock(0.0)
    with pytest.raises(ValueError):
        submission.SlidingWindowRateLimiter(max_requests, window, clock)
    assert clock._calls == 0


@pytest.mark.weight(3)
def test_invalid_max_requests_raises_value_error(submission):
    """Rejects a max_requests below 1, not an int, or a bool with ValueError."""
    # Below 1, not an int, or a bool (rejected even though bool is a subclass of int).
    for max_requests in [0, -1, -10, 2.0, 1.5, "3", None, True, False]:
        assert_rejected(submission, max_requests, 10.0)


@pytest.mark.weight(3)
def test_invalid_window_raises_value_error(submission):
    """Rejects a window_seconds that is a bool, not a number, not finite or not above 0 with ValueError."""
    # Not above 0, not finite, not an int or float, or a bool.
    for window in [0, 0.0, -0.0, -1, -0.5, -1e-9, float("nan"), float("inf"), float("-inf"), "1", None, True, False]:
        assert_rejected(submission, 5, window)


def test_valid_arguments_are_accepted(submission):
    """Accepts any int max_requests of at least 1 and any finite positive window_seconds."""
    for max_requests, window in [(1, 1), (1, 0.001), (10**9, 5.5), (3, 1e-9), (2, 86400)]:
        limiter = submission.SlidingWindowRateLimiter(max_requests, window, Clock(0.0))
        assert limiter.allow_request() is True


# ------------------------------------------------------------------ properties


def _check_fast_model():
    import random

    rng = random.Random(3)
    for _ in range(300):
        now, requests = 0.0, []
        for _ in range(rng.randint(0, 40)):
            now += rng.choice([0.0, 0.1, 0.2, 0.3, 0.7, 1.0])
            requests.append((rng.choice("ab"), now))
        m, w = rng.randint(1, 4), rng.choice([0.1, 0.3, 0.5, 1.0, 1.1])
        assert fast_model_answers(m, w, requests) == model_answers(m, w, requests)


_check_fast_model()

# Hypothesis's "explain" phase re-runs a failing test many times just to annotate the report; on
# a remote submission that costs more than finding and shrinking the failure, so it is left out.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]

windows = st.sampled_from([0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.1, 2.5, 3])
steps = st.lists(
    st.tuples(st.sampled_from([0, 0, 0.1, 0.1, 0.2, 0.3, 0.5, 1, 1.1]), st.sampled_from(["a", "b", "c"])),
    max_size=50,
)


@pytest.mark.weight(3)
@settings(max_examples=120, phases=PHASES)
@given(max_requests=st.integers(1, 4), window=windows, steps=steps)
def test_any_request_sequence_matches_the_model(submission, max_requests, window, steps):
    """Agrees with the rules over random request sequences with float times."""
    now, requests = 0.0, []
    for delta, key in steps:
        now += delta  # accumulated floats: rounding puts some timestamps right at the boundary
        requests.append((key, now))
    answers = run_requests(submission, max_requests, window, requests)
    assert_bools(answers)
    assert answers == model_answers(max_requests, window, requests)


@pytest.mark.weight(2)
@settings(max_examples=60, phases=PHASES)
@given(
    max_requests=st.integers(1, 3),
    window=st.integers(1, 4),
    times=st.lists(st.integers(0, 3), min_size=8, max_size=40),
    keys=st.lists(st.sampled_from(["x", "y"]), min_size=40, max_size=40),
)
def test_integer_times_match_the_model(submission, max_requests, window, times, keys):
    """Agrees with the rules over random request sequences with int times and windows."""
    now, requests = 0, []
    for delta, key in zip(times, keys, strict=False):
        now += delta
        requests.append((key, now))
    answers = run_requests(submission, max_requests, window, requests)
    assert answers == model_answers(max_requests, window, requests)


class LimiterMachine(RuleBasedStateMachine):
    """Agrees with the rules request by request, calling the clock once per request.

    Drives the submission and the model request by request, advancing a shared fake clock.
    """

    @initialize(max_requests=st.integers(1, 3), window=windows)
    def create(self, max_requests, window):
        self.clock = Clock(0.0)
        self.limiter = current_submission().SlidingWindowRateLimiter(max_requests, window, self.clock)
        self.model = Model(max_requests, window)
        self.requests = 0

    @rule(delta=st.sampled_from([0.1, 0.2, 0.3, 0.5, 1.0, 1.1]))
    def advance(self, delta):
        self.clock._now += delta

    @rule(key=st.sampled_from([None, "default", "a", "b"]))
    def request(self, key):
        answer = self.limiter.allow_request() if key is None else self.limiter.allow_request(key)
        self.requests += 1
        assert answer is self.model.allow("default" if key is None else key, self.clock._now)

    @precondition(lambda self: hasattr(self, "model"))
    @invariant()
    def one_clock_call_per_request(self):
        assert self.clock._calls == self.requests


TestLimiterMachine = pytest.mark.weight(3)(LimiterMachine.TestCase)
TestLimiterMachine.settings = settings(max_examples=40, stateful_step_count=25, phases=PHASES)


@pytest.mark.weight(4)
@settings(max_examples=50, phases=PHASES)
@given(
    window=st.integers(1, 40).map(lambda tenths: tenths / 10),
    starts=st.lists(st.tuples(st.integers(0, 40), st.sampled_from([-1, 0, 0, 1])), min_size=1, max_size=10),
)
def test_float_boundary_matches_the_model(submission, window, starts):
    """Evaluates s > t - window_seconds exactly as written, for random float times and windows."""
    # Each key: a request at s, one at t = s + window as computed in floats (or one float step
    # either side), where the written comparison and its algebraic twins round differently, then
    # one half a window later, which a recorded denied request at t would wrongly block.
    events = []
    for i, (tenths, step) in enumerate(starts):
        key, s = f"k{i}", tenths / 10
        t = s + window if step == 0 else math.nextafter(s + window, step * math.inf)
        events += [(s, key), (t, key), (t + window / 2, key)]
    events.sort(key=lambda event: event[0])  # stable, and s < t < t + window / 2: each key stays in order
    requests = [(key, now) for now, key in events]
    answers = run_requests(submission, 1, window, requests)
    assert_bools(answers)
    assert answers == model_answers(1, window, requests)


max_requests_values = st.one_of(st.integers(-2, 4), st.booleans(), st.sampled_from([2.0, 1.5, "3", None]))
window_values = st.one_of(
    st.integers(-2, 4), st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["1", None])
)


@settings(max_examples=60, phases=PHASES)
@given(max_requests=max_requests_values, window=window_values)
def test_constructor_accepts_exactly_the_valid_arguments(submission, max_requests, window):
    """Rejects an invalid max_requests or window_seconds with ValueError and accepts every valid pair."""
    valid = (
        type(max_requests) is int
        and max_requests >= 1
        and type(window) in (int, float)
        and math.isfinite(window)
        and window > 0
    )
    clock = Clock(0.0)
    if valid:
        limiter = submission.SlidingWindowRateLimiter(max_requests, window, clock)
        assert clock._calls == 0, "the constructor called the clock"
        assert limiter.allow_request("k") is True
        assert clock._calls == 1
    else:
        with pytest.raises(ValueError):
            submission.SlidingWindowRateLimiter(max_requests, window, clock)
        assert clock._calls == 0, "the constructor called the clock"


# Between two stretches of ordinary requests, many distinct keys are seen at one instant, then
# the first stretch's keys come back at that same instant: a limiter that bounds the number of
# keys it tracks (an LRU dict, say) has forgotten their windows, and the last of them at least
# still holds a request in its window. Each example is one batch with a clock that lives in the
# worker, so its cost is the flood itself (well under a second for the reference at the largest
# size). No shrinking: one failing example with its flood size says enough, and each re-run
# would send the whole flood again.
FLOOD_PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
flood_step = st.tuples(st.sampled_from([0, 0, 0.1, 0.2, 0.5, 1]), st.sampled_from(["a", "b", "c"]))


@pytest.mark.weight(2)
@settings(max_examples=8, phases=FLOOD_PHASES)
@given(
    max_requests=st.integers(1, 3),
    window=st.sampled_from([1, 2.5, 3]),
    before=st.lists(flood_step, min_size=1, max_size=12),
    flood=st.sampled_from([1_000, 12_000, 20_000, 40_000]),
    after=st.lists(flood_step, max_size=12),
)
def test_requests_around_many_other_keys_match_the_model(submission, driver, max_requests, window, before, flood, after):
    """Agrees with the rules when many other keys are seen between requests of the same keys."""
    now, requests = 0.0, []
    for delta, key in before:
        now += delta
        requests.append((key, now))
    requests += [(key, now) for key in flood_keys(flood)]
    requests += [(key, now) for _, key in before]  # the same keys again, at once: their windows still hold requests
    for delta, key in after:
        now += delta
        requests.append((key, now))
    expected = fast_model_answers(max_requests, window, requests)
    clock = driver.list_clock([t for _, t in requests])
    limiter = submission.SlidingWindowRateLimiter(max_requests, window, clock)
    answers = run_batch(limiter, [["allow_request", [key]] for key, _ in requests], bound_s=30)
    assert answers == expected
    assert clock.calls == len(requests)


# ------------------------------------------------------------------ performance


def perf_requests(total=60_000):
    """100 requests per second for 600 seconds: 9 in 10 on key "a", the rest on "b"."""
    return [("b" if k % 10 == 9 else "a", k * 0.01) for k in range(total)]


@pytest.mark.weight(3)
def test_sixty_thousand_requests_with_a_full_window(submission, driver):
    """Handles 60,000 requests with max_requests 10,000 and a full window within the time bound."""
    # Key "a" gets 13,500 requests per window for a budget of 10,000: once full, its window
    # stays full, so scanning the stored timestamps costs ~10,000 steps per request.
    max_requests, window = 10_000, 150.0
    requests = perf_requests()
    expected = fast_model_answers(max_requests, window, requests)
    assert 30_000 < expected.count(True) < len(requests) - 10_000
    clock = driver.list_clock([t for _, t in requests])  # lives in the worker: no round trip per request
    limiter = submission.SlidingWindowRateLimiter(max_requests, window, clock)
    # Correct solutions take about 0.2 s; rebuilding the list per request takes about 11 s.
    answers = run_batch(limiter, [["allow_request", [key]] for key, _ in requests], bound_s=3.0)
    assert answers == expected
    assert clock.calls == len(requests)
