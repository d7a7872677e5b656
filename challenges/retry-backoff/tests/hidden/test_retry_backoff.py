"""Hidden suite for retry-backoff.

The decorated functions are defined by the challenge's driver (exception classes
and coroutine functions cannot cross the process boundary) and forward every
attempt to a `Script` that lives here. Attempts, arguments, sleeps and rng calls
are recorded in this process, in one event log, and compared with an oracle.
"""

import builtins
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

DEFAULTS = {"max_attempts": 3, "base_delay": 0.5, "max_delay": 30.0, "retry_on": ("Exception",), "jitter": "full"}


# ---------------------------------------------------------------- harness-side recorders


class Script:
    """The decorated function's behaviour: one step per attempt (the last step repeats).

    Steps: ("ok", value) returns value; ("raise", "ConnectionError") raises that
    built-in exception with the message "attempt N"; ("base", "KeyboardInterrupt")
    makes the driver raise that BaseException.
    """

    def __init__(self, steps, events=None):
        self.steps = list(steps)
        self.events = events if events is not None else []
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        self.events.append("call")
        kind, payload = self.steps[min(len(self.calls), len(self.steps)) - 1]
        if kind == "ok":
            return payload
        if kind == "raise":
            raise getattr(builtins, payload)(f"attempt {len(self.calls)}")
        return {"raise_base": payload}


class Sleeper:
    def __init__(self, events):
        self.events = events
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        self.events.append(("sleep", args[0] if len(args) == 1 and not kwargs else (args, kwargs)))

    @property
    def delays(self):
        return [args[0] for args, _ in self.calls]


class Rng:
    def __init__(self, events, values=(0.5,)):
        self.events = events
        self.values = list(values)
        self.count = 0

    def __call__(self, *args, **kwargs):
        assert not args and not kwargs
        value = self.values[self.count % len(self.values)]
        self.count += 1
        self.events.append("rng")
        return value


class World:
    """One scenario: a shared event log, a sleep recorder, an rng and scripts."""

    def __init__(self, rng_values=(0.5,)):
        self.events = []
        self.sleep = Sleeper(self.events)
        self.rng = Rng(self.events, rng_values)

    def script(self, steps):
        return Script(steps, self.events)

    def options(self, **options):
        return {"sleep": self.sleep, "rng": self.rng, **options}


def run(driver, world, options, scripts, calls, *, is_async=False, sleep_kind="plain", separate=False):
    return driver.run(world.options(**options), list(scripts), calls, is_async, sleep_kind, separate)


def call(index=0, *args, **kwargs):
    return [index, list(args), kwargs]


# ---------------------------------------------------------------- the oracle


def oracle(options, steps, rng_values):
    """Expected (outcome, events) of one call on a fresh decorated function."""
    opts = {**DEFAULTS, **options}
    retry_on = tuple(getattr(builtins, name) for name in opts["retry_on"])
    events = []
    rng_count = 0
    attempt = 0
    while True:
        attempt += 1
        events.append("call")
        kind, payload = steps[min(attempt, len(steps)) - 1]
        if kind == "ok":
            return {"ok": True, "value": payload}, events
        error = getattr(builtins, payload)
        outcome = {"ok": False, "type": payload, "attempt": attempt if kind == "raise" else None}
        if not issubclass(error, retry_on) or attempt >= opts["max_attempts"]:
            return outcome, events
        delay = min(opts["max_delay"], opts["base_delay"] * 2 ** (attempt - 1))
        if opts["jitter"] == "full":
            delay *= rng_values[rng_count % len(rng_values)]
            rng_count += 1
            events.append("rng")
        events.append(("sleep", delay))


def same_outcome(actual, expected):
    if expected["ok"]:
        return actual == expected
    if actual.get("ok") is not False or actual.get("type") != expected["type"]:
        return False
    if expected["attempt"] is None:
        return True
    return actual.get("message", "").strip("'") == f"attempt {expected['attempt']}"


def same_events(actual, expected):
    if len(actual) != len(expected):
        return False
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, tuple):
            if not (isinstance(got, tuple) and got[0] == "sleep" and isinstance(got[1], (int, float))):
                return False
            if not math.isclose(got[1], want[1], rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif got != want:
            return False
    return True


def check_against_oracle(driver, options, steps, rng_values=(0.5,), is_async=False, sleep_kind="plain"):
    world = World(rng_values)
    [outcome] = run(driver, world, options, [world.script(steps)], [call()], is_async=is_async, sleep_kind=sleep_kind)
    expected_outcome, expected_events = oracle(options, steps, list(rng_values))
    assert same_outcome(outcome, expected_outcome), (outcome, expected_outcome)
    assert same_events(world.events, expected_events), (world.events, expected_events)
    return world


MODES = [
    pytest.param(False, "plain", id="sync"),
    pytest.param(True, "plain", id="async-plain-sleep"),
    pytest.param(True, "awaitable", id="async-awaitable-sleep"),
]


# ---------------------------------------------------------------- argument checks


def test_max_attempts_below_one_is_rejected(submission):
    for max_attempts in [0, -1, -10]:
        with pytest.raises(ValueError):
            submission.retry(max_attempts=max_attempts)


def test_unknown_jitter_is_rejected(submission):
    for jitter in ["equal", "none", "", "FULL", "decorrelated"]:
        with pytest.raises(ValueError):
            submission.retry(jitter=jitter)


def test_valid_arguments_are_accepted(submission):
    submission.retry(max_attempts=1, jitter=None)
    submission.retry(max_attempts=1, jitter="full")
    submission.retry()


# ---------------------------------------------------------------- schedule and retry rules


@pytest.mark.weight(2)
@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_defaults_three_attempts_full_jitter(driver, is_async, sleep_kind):
    world = World(rng_values=(0.25, 0.75))
    script = world.script([("raise", "ConnectionError")])
    [outcome] = run(driver, world, {}, [script], [call()], is_async=is_async, sleep_kind=sleep_kind)
    assert outcome["ok"] is False and outcome["type"] == "ConnectionError"
    assert outcome["message"] == "attempt 3"  # the last exception, not the first
    assert len(script.calls) == 3
    assert world.events == ["call", "rng", ("sleep", 0.125), "call", "rng", ("sleep", 0.75), "call"]


@pytest.mark.weight(2)
@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_exponential_schedule_capped_without_jitter(driver, is_async, sleep_kind):
    world = World()
    script = world.script([("raise", "TimeoutError")])
    options = {"max_attempts": 10, "base_delay": 0.5, "max_delay": 30.0, "jitter": None}
    [outcome] = run(driver, world, options, [script], [call()], is_async=is_async, sleep_kind=sleep_kind)
    assert outcome["type"] == "TimeoutError" and outcome["message"] == "attempt 10"
    assert world.sleep.delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert world.rng.count == 0
    assert all(len(args) == 1 and not kwargs for args, kwargs in world.sleep.calls)


@pytest.mark.weight(2)
def test_cap_applies_before_jitter(driver):
    world = World(rng_values=(0.5,))
    script = world.script([("raise", "ConnectionError")])
    options = {"max_attempts": 4, "base_delay": 4.0, "max_delay": 1.0}
    run(driver, world, options, [script], [call()])
    assert world.sleep.delays == [0.5, 0.5, 0.5]
    assert world.rng.count == 3


def test_success_first_time_makes_no_sleep_and_no_rng_call(driver):
    world = World()
    script = world.script([("ok", {"id": 7})])
    [outcome] = run(driver, world, {}, [script], [call(0, 1, 2, flag=True)])
    assert outcome == {"ok": True, "value": {"id": 7}}
    assert world.events == ["call"]
    assert script.calls == [((1, 2), {"flag": True})]


@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_success_after_retries_returns_the_value(driver, is_async, sleep_kind):
    world = World(rng_values=(1.0,))
    steps = [("raise", "ConnectionError"), ("raise", "ConnectionError"), ("ok", "done")]
    script = world.script(steps)
    options = {"max_attempts": 5, "base_delay": 1.0}
    [outcome] = run(driver, world, options, [script], [call(0, "x", n=3)], is_async=is_async, sleep_kind=sleep_kind)
    assert outcome == {"ok": True, "value": "done"}
    assert world.events == ["call", "rng", ("sleep", 1.0), "call", "rng", ("sleep", 2.0), "call"]
    assert script.calls == [(("x",), {"n": 3})] * 3


@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_max_attempts_one_never_sleeps(driver, is_async, sleep_kind):
    world = World()
    script = world.script([("raise", "ConnectionError")])
    [outcome] = run(driver, world, {"max_attempts": 1}, [script], [call()], is_async=is_async, sleep_kind=sleep_kind)
    assert outcome["type"] == "ConnectionError" and outcome["message"] == "attempt 1"
    assert world.events == ["call"]


@pytest.mark.weight(2)
@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_exception_outside_retry_on_is_raised_at_once(driver, is_async, sleep_kind):
    world = World()
    script = world.script([("raise", "ValueError")])
    options = {"retry_on": ("ConnectionError", "TimeoutError"), "max_attempts": 5}
    [outcome] = run(driver, world, options, [script], [call()], is_async=is_async, sleep_kind=sleep_kind)
    assert outcome["type"] == "ValueError" and outcome["message"] == "attempt 1"
    assert world.events == ["call"]


def test_retry_on_matches_subclasses(driver):
    world = World()
    steps = [("raise", "ConnectionError"), ("raise", "TimeoutError"), ("raise", "OSError"), ("ok", 1)]
    script = world.script(steps)
    options = {"retry_on": ("OSError",), "max_attempts": 4, "jitter": None, "base_delay": 0.25}
    [outcome] = run(driver, world, options, [script], [call()])
    assert outcome == {"ok": True, "value": 1}
    assert world.sleep.delays == [0.25, 0.5, 1.0]


def test_retryable_then_non_retryable(driver):
    world = World()
    script = world.script([("raise", "ConnectionError"), ("raise", "KeyError"), ("ok", 1)])
    options = {"retry_on": ("ConnectionError",), "max_attempts": 5, "jitter": None}
    [outcome] = run(driver, world, options, [script], [call()])
    assert outcome["type"] == "KeyError"
    assert world.events == ["call", ("sleep", 0.5), "call"]


def test_empty_retry_on_retries_nothing(driver):
    world = World()
    script = world.script([("raise", "ConnectionError"), ("ok", 1)])
    [outcome] = run(driver, world, {"retry_on": ()}, [script], [call()])
    assert outcome["type"] == "ConnectionError"
    assert world.events == ["call"]


def test_base_exception_is_not_retried_by_default(driver):
    world = World()
    script = world.script([("base", "KeyboardInterrupt"), ("ok", 1)])
    [outcome] = run(driver, world, {"max_attempts": 5}, [script], [call()])
    assert outcome["ok"] is False and outcome["type"] == "KeyboardInterrupt"
    assert world.events == ["call"]


@pytest.mark.weight(2)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_large_max_attempts_do_not_overflow(driver, is_async):
    world = World()
    script = world.script([("raise", "ConnectionError")])
    options = {"max_attempts": 1030, "jitter": None, "base_delay": 0.5, "max_delay": 30.0}
    [outcome] = run(driver, world, options, [script], [call()], is_async=is_async)
    assert outcome["type"] == "ConnectionError" and outcome["message"] == "attempt 1030"
    assert len(world.sleep.delays) == 1029
    assert world.sleep.delays[:7] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert set(world.sleep.delays[6:]) == {30.0}


def test_zero_base_delay_stays_zero_for_many_attempts(driver):
    world = World()
    script = world.script([("raise", "ConnectionError")] * 1029 + [("ok", "up")])
    options = {"max_attempts": 1030, "jitter": None, "base_delay": 0.0, "max_delay": 30.0}
    [outcome] = run(driver, world, options, [script], [call()])
    assert outcome == {"ok": True, "value": "up"}
    assert len(world.sleep.delays) == 1029
    assert set(world.sleep.delays) == {0.0}


def test_default_rng_scales_each_delay_into_zero_to_cap(driver):
    driver.seed_random(20240601)  # the default rng is random.random: make its draws repeatable
    world = World()
    script = world.script([("raise", "ConnectionError")])
    options = {"sleep": world.sleep, "max_attempts": 6, "base_delay": 1.0, "max_delay": 8.0}
    [outcome] = driver.run(options, [script], [call()], False, "plain", False)
    assert outcome["type"] == "ConnectionError"
    caps = [1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(world.sleep.delays) == 5
    assert all(0.0 <= d <= cap for d, cap in zip(world.sleep.delays, caps, strict=True))
    assert len(set(world.sleep.delays)) > 1


def test_default_sleep_works_for_sync_functions(driver):
    script = Script([("raise", "ConnectionError"), ("ok", 9)])
    options = {"max_attempts": 2, "base_delay": 0.01, "jitter": None}
    assert driver.run(options, [script], [call()], False, "plain", False) == [{"ok": True, "value": 9}]
    assert len(script.calls) == 2


@pytest.mark.weight(3)
@pytest.mark.parametrize(
    "steps, result",
    [([("raise", "ConnectionError"), ("ok", 5)], 5), ([("raise", "TimeoutError")], "TimeoutError")],
    ids=["succeeds", "gives-up"],
)
def test_default_sleep_for_async_functions_yields_to_the_event_loop(driver, steps, result):
    events = []
    script = Script(steps, events)
    options = {"max_attempts": 2, "base_delay": 0.02, "jitter": None}
    results = driver.run_with_ticker(options, script, lambda: events.append("tick"))
    assert results == [result, None]
    assert sorted(events) == ["call", "call", "tick"]
    # A blocking time.sleep would let the other task run only after both attempts.
    assert events.index("tick") < 2


# ---------------------------------------------------------------- property test against the oracle

exception_names = st.sampled_from(["ConnectionError", "TimeoutError", "ValueError", "KeyError", "OSError"])
steps_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("raise"), exception_names),
        st.tuples(st.just("ok"), st.integers(-5, 5)),
        st.just(("base", "KeyboardInterrupt")),
    ),
    min_size=1,
    max_size=7,
)
options_strategy = st.fixed_dictionaries(
    {},
    optional={
        "max_attempts": st.integers(1, 6),
        "base_delay": st.sampled_from([0, 0.25, 0.5, 1, 3.0]),
        "max_delay": st.sampled_from([0.0, 0.5, 2.0, 30.0]),
        "retry_on": st.sampled_from(
            [
                (),
                ("ConnectionError",),
                ("OSError",),
                ("ConnectionError", "ValueError"),
                ("Exception",),
                ("LookupError",),
            ]
        ),
        "jitter": st.sampled_from([None, "full"]),
    },
)
rng_strategy = st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.75, 0.999]), min_size=1, max_size=4)


@pytest.mark.weight(4)
@settings(max_examples=100)
@given(
    options=options_strategy,
    steps=steps_strategy,
    rng_values=rng_strategy,
    mode=st.sampled_from([(False, "plain"), (True, "plain"), (True, "awaitable")]),
)
def test_any_scenario_matches_the_oracle(driver, options, steps, rng_values, mode):
    check_against_oracle(driver, options, steps, rng_values, is_async=mode[0], sleep_kind=mode[1])


# ---------------------------------------------------------------- idempotency keys


@pytest.mark.weight(2)
@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_same_key_returns_first_success_without_calling(driver, is_async, sleep_kind):
    world = World()
    script = world.script([("ok", "first"), ("ok", "second")])
    calls = [call(0, 1, idempotency_key="k"), call(0, 2, idempotency_key="k")]
    outcomes = run(driver, world, {}, [script], calls, is_async=is_async, sleep_kind=sleep_kind)
    assert outcomes == [{"ok": True, "value": "first"}] * 2
    assert script.calls == [((1,), {})]


@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_key_is_consumed_and_none_means_not_given(driver, is_async, sleep_kind):
    world = World()
    script = world.script([("ok", 1), ("ok", 2), ("ok", 3)])
    calls = [call(0, "a", x=1, idempotency_key=None), call(0, "b", idempotency_key=None), call(0, idempotency_key="z")]
    outcomes = run(driver, world, {}, [script], calls, is_async=is_async, sleep_kind=sleep_kind)
    assert [o["value"] for o in outcomes] == [1, 2, 3]
    assert script.calls == [(("a",), {"x": 1}), (("b",), {}), ((), {})]


@pytest.mark.weight(2)
@pytest.mark.parametrize("is_async, sleep_kind", MODES)
def test_failures_are_never_cached(driver, is_async, sleep_kind):
    world = World()
    steps = [("raise", "ValueError"), ("raise", "ConnectionError"), ("raise", "ConnectionError"), ("ok", 7), ("ok", 8)]
    script = world.script(steps)
    options = {"max_attempts": 2, "jitter": None, "retry_on": ("ConnectionError",)}
    calls = [call(idempotency_key="k")] * 4
    outcomes = run(driver, world, options, [script], calls, is_async=is_async, sleep_kind=sleep_kind)
    assert [o.get("type") for o in outcomes[:2]] == ["ValueError", "ConnectionError"]
    assert outcomes[2:] == [{"ok": True, "value": 7}] * 2
    assert len(script.calls) == 4


def test_cache_hit_makes_no_sleep_and_no_rng_call(driver):
    world = World()
    script = world.script([("raise", "ConnectionError"), ("ok", "v")])
    outcomes = run(driver, world, {}, [script], [call(idempotency_key="k")] * 3)
    assert outcomes == [{"ok": True, "value": "v"}] * 3
    assert world.events == ["call", "rng", ("sleep", 0.25), "call"]


@pytest.mark.parametrize("is_async, sleep_kind", MODES[:2])
def test_a_stored_none_result_is_returned(driver, is_async, sleep_kind):
    world = World()
    script = world.script([("ok", None), ("ok", 1)])
    outcomes = run(driver, world, {}, [script], [call(idempotency_key="n")] * 2, is_async=is_async)
    assert outcomes == [{"ok": True, "value": None}] * 2
    assert len(script.calls) == 1


@pytest.mark.weight(2)
def test_falsy_keys_are_keys(driver):
    world = World()
    script = world.script([("ok", "a"), ("ok", "b"), ("ok", "c")])
    calls = [call(idempotency_key=""), call(idempotency_key=0), call(idempotency_key=""), call(idempotency_key=0)]
    outcomes = run(driver, world, {}, [script], calls)
    assert [o["value"] for o in outcomes] == ["a", "b", "a", "b"]
    assert len(script.calls) == 2


def test_keys_differ_and_arguments_do_not_matter_on_a_hit(driver):
    world = World()
    script = world.script([("ok", 10), ("ok", 20), ("ok", 30)])
    calls = [
        call(0, 1, idempotency_key="a"),
        call(0, 2, idempotency_key="b"),
        call(0, 3, idempotency_key="a"),
        call(0, 4),
    ]
    outcomes = run(driver, world, {}, [script], calls)
    assert [o["value"] for o in outcomes] == [10, 20, 10, 30]
    assert [c[0] for c in script.calls] == [(1,), (2,), (4,)]


def test_calls_without_a_key_do_not_fill_the_cache(driver):
    world = World()
    script = world.script([("ok", 1), ("ok", 2), ("ok", 3)])
    outcomes = run(driver, world, {}, [script], [call(), call(idempotency_key="k"), call(idempotency_key="k")])
    assert [o["value"] for o in outcomes] == [1, 2, 2]


@pytest.mark.weight(2)
@pytest.mark.parametrize("separate", [False, True], ids=["one-decorator", "two-decorators"])
def test_each_decorated_function_has_its_own_keys(driver, separate):
    world = World()
    first = world.script([("ok", "f1"), ("ok", "f2")])
    second = world.script([("ok", "g1"), ("ok", "g2")])
    calls = [call(index, idempotency_key="k") for index in (0, 1, 0, 1)]
    outcomes = run(driver, world, {}, [first, second], calls, separate=separate)
    assert [o["value"] for o in outcomes] == ["f1", "g1", "f1", "g1"]
    assert len(first.calls) == 1 and len(second.calls) == 1


failure = st.just(("raise", "ConnectionError"))
step_lists = st.lists(
    st.one_of(failure, st.tuples(st.just("ok"), st.one_of(st.none(), st.integers(0, 99))), failure),
    min_size=1,
    max_size=10,
)


@pytest.mark.weight(4)
@settings(max_examples=50)
@given(
    plan=st.lists(st.tuples(st.integers(0, 1), st.sampled_from([None, "a", "b", 0]), st.integers(0, 3)), max_size=8),
    steps=st.tuples(step_lists, step_lists),
    is_async=st.booleans(),
)
# Cases the random search must not depend on luck to meet: a falsy key, a None result,
# one key on two functions, and a key whose first call failed.
@example(
    plan=[(0, 0, 1), (0, 0, 2), (1, 0, 3), (1, 0, 4)],
    steps=([("ok", None), ("ok", 7)], [("ok", 8), ("ok", 9)]),
    is_async=False,
)
@example(
    plan=[(0, "a", 0), (0, "a", 1), (0, "a", 2), (1, "", 0), (1, "", 1)],
    steps=([("raise", "ConnectionError"), ("raise", "ConnectionError"), ("ok", 3)], [("ok", 5), ("ok", 6)]),
    is_async=True,
)
def test_idempotency_matches_the_oracle(driver, plan, steps, is_async):
    """Two functions decorated by one retry(...) object; two attempts per call."""
    world = World()
    scripts = [world.script(steps[0]), world.script(steps[1])]
    calls = [call(index, arg, idempotency_key=key) for index, key, arg in plan]
    outcomes = run(driver, world, {"max_attempts": 2, "jitter": None}, scripts, calls, is_async=is_async)
    caches, attempts, expected = [{}, {}], [0, 0], []
    for index, key, _arg in plan:
        if key is not None and key in caches[index]:
            expected.append(("ok", caches[index][key]))
            continue
        result = None
        for _ in range(2):
            attempts[index] += 1
            kind, payload = steps[index][min(attempts[index], len(steps[index])) - 1]
            if kind == "ok":
                result = ("ok", payload)
                break
        if result is None:
            expected.append(("raise", f"attempt {attempts[index]}"))
        else:
            expected.append(result)
            if key is not None:
                caches[index][key] = result[1]
    got = [("ok", o["value"]) if o["ok"] else ("raise", o["message"]) for o in outcomes]
    assert got == expected
    assert [len(script.calls) for script in scripts] == attempts


# ---------------------------------------------------------------- metadata


@pytest.mark.weight(2)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name, doc", [("fetch_invoice", "Fetch one invoice from the billing API."), ("ping", None)])
def test_wrapper_preserves_name_doc_and_wrapped(driver, is_async, name, doc):
    seen = driver.metadata(name, doc, is_async)
    assert seen == {"name": name, "doc": doc, "wrapped_is_original": True}


@pytest.mark.weight(2)
@settings(max_examples=30)
@given(
    name=st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True),
    doc=st.one_of(st.none(), st.text(max_size=40)),
    is_async=st.booleans(),
)
def test_any_wrapper_preserves_name_doc_and_wrapped(driver, name, doc, is_async):
    seen = driver.metadata(name, doc, is_async)
    assert seen == {"name": name, "doc": doc, "wrapped_is_original": True}


# ---------------------------------------------------------------- property tests: many attempts, default async sleep


def capped_delay(options, retry_number):
    """min(max_delay, base_delay * 2 ** (retry_number - 1)), exactly, even past the float range."""
    try:
        raw = math.ldexp(options["base_delay"], retry_number - 1)
    except OverflowError:
        raw = math.inf
    return min(options["max_delay"], raw)


@pytest.mark.weight(2)
@settings(max_examples=8)
@given(
    max_attempts=st.integers(1026, 1040),
    base_delay=st.sampled_from([0.0, 0.25, 1.0, 7.5]),
    max_delay=st.sampled_from([0.0, 0.5, 30.0]),
    jitter=st.sampled_from([None, "full"]),
    rng_values=rng_strategy,
    succeeds=st.booleans(),
    is_async=st.booleans(),
)
def test_many_attempts_match_the_capped_schedule(
    driver, max_attempts, base_delay, max_delay, jitter, rng_values, succeeds, is_async
):
    world = World(rng_values)
    failures = max_attempts - 1 if succeeds else max_attempts
    script = world.script([("raise", "ConnectionError")] * failures + [("ok", "up")])
    options = {"max_attempts": max_attempts, "base_delay": base_delay, "max_delay": max_delay, "jitter": jitter}
    [outcome] = run(driver, world, options, [script], [call()], is_async=is_async)
    if succeeds:
        assert outcome == {"ok": True, "value": "up"}
    else:
        assert outcome["ok"] is False and outcome["type"] == "ConnectionError", outcome
        assert outcome["message"] == f"attempt {max_attempts}"
    assert len(script.calls) == failures + (1 if succeeds else 0)
    expected = [capped_delay(options, k) for k in range(1, max_attempts)]
    if jitter == "full":
        expected = [delay * rng_values[(k - 1) % len(rng_values)] for k, delay in enumerate(expected, start=1)]
        assert world.rng.count == max_attempts - 1
    else:
        assert world.rng.count == 0
    assert len(world.sleep.delays) == len(expected)
    for k, (got, want) in enumerate(zip(world.sleep.delays, expected, strict=True), start=1):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), f"delay before retry {k}: {got!r}, not {want!r}"


@pytest.mark.weight(2)
@settings(max_examples=20)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("raise"), st.sampled_from(["ConnectionError", "TimeoutError", "ValueError"])),
            st.tuples(st.just("ok"), st.integers(-5, 5)),
        ),
        max_size=4,
    ),
    first=st.sampled_from(["ConnectionError", "TimeoutError"]),
    max_attempts=st.integers(2, 5),
    base_delay=st.sampled_from([0.0, 0.001, 0.002]),
    retry_on=st.sampled_from([("Exception",), ("OSError",)]),
    jitter=st.sampled_from([None, "full"]),
)
# A case the random search must not depend on luck to meet: an error outside retry_on after a retry.
@example(
    steps=[("raise", "ValueError"), ("ok", 1)],
    first="TimeoutError",
    max_attempts=4,
    base_delay=0.001,
    retry_on=("OSError",),
    jitter=None,
)
def test_default_async_sleep_lets_other_tasks_run_between_any_attempts(
    driver, steps, first, max_attempts, base_delay, retry_on, jitter
):
    steps = [("raise", first), *steps]
    events = []
    script = Script(steps, events)
    options = {"max_attempts": max_attempts, "base_delay": base_delay, "retry_on": retry_on, "jitter": jitter}
    results = driver.run_with_ticker(options, script, lambda: events.append("tick"))
    # The first attempt fails with a retryable error, so a retry always waits: the other task ticks there.
    expected_outcome, calls = oracle(options, steps, [0.5])
    calls = [event for event in calls if event == "call"]
    expected = expected_outcome["value"] if expected_outcome["ok"] else expected_outcome["type"]
    assert results == [expected, None]
    assert events == ["call", "tick", *calls[1:]], "another task must run while a retry waits"
