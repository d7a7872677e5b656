"""Hidden suite for versioned-cache.

The backend the tests hand to the cache is the driver's `Backend` adapter over a
`Store` that lives here: every backend operation is one call into this process,
counted in `Store.ops`. The clock is a `FakeClock` that lives here too.
"""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from grader.harness import plugin
from grader.testing import run_batch

MISS = "<miss>"


def current_driver():
    """The driver module, for code that cannot take the fixture (the state machine)."""
    grading = plugin.current()
    return grading.session.load(grading.driver_module)


# ---------------------------------------------------------------- harness-side fakes


class Store:
    """The data behind the backend, and a log of every operation the cache made."""

    def __init__(self):
        self.data = {}
        self.ops = []

    def __call__(self, op, key, *rest):
        self.ops.append(op)
        if op == "get":
            return self.data.get(key, rest[0] if rest else None)
        if op == "getitem":
            return self.data[key]
        if op == "setitem":
            self.data[key] = rest[0]
            return None
        if op == "contains":
            return key in self.data
        if op == "delitem":
            del self.data[key]
            return None
        if op == "pop":
            return self.data.pop(key, *rest)
        raise AssertionError(f"unknown backend operation {op!r}")


class FakeClock:
    # Sent to the worker with every call, so reading it there takes no round trip (grader.worker.rpc.Mirror).
    __rpc_mirror__ = ("__call__",)

    def __init__(self, now=100.0):
        self.now = now

    def __rpc_value__(self):
        return self.now

    def __call__(self):
        return self.now


class Factory:
    def __init__(self, value):
        self.value = value
        self.calls = 0

    def __call__(self, *args, **kwargs):
        assert not args and not kwargs, "the factory takes no arguments"
        self.calls += 1
        return self.value


class Recorder:
    """Stands for the decorated function's body: records each call, returns a distinct result."""

    def __init__(self, results=None):
        self.calls = []
        self.results = results

    def __call__(self, name, *args):
        self.calls.append((name, *args))
        if self.results is not None:
            result = self.results[min(len(self.calls), len(self.results)) - 1]
            if isinstance(result, BaseException):
                raise result
            return result
        return f"{name}#{len(self.calls)}"


def make(driver, clock=None):
    store = Store()
    clock = clock if clock is not None else FakeClock()
    return driver.make_cache(store, clock), store, clock


# ---------------------------------------------------------------- the oracle


def namespace_of(key):
    return key.split(":", 1)[0] if ":" in key else None


class ModelCache:
    """Entries remember the version of their namespace when they were set."""

    def __init__(self):
        self.entries = {}
        self.versions = {}

    def _alive(self, key, now):
        if key not in self.entries:
            return False
        _, expires_at, version = self.entries[key]
        if expires_at is not None and now >= expires_at:
            return False
        namespace = namespace_of(key)
        return namespace is None or version == self.versions.get(namespace, 0)

    def get(self, key, default, now):
        return self.entries[key][0] if self._alive(key, now) else default

    def set(self, key, value, ttl, now):
        namespace = namespace_of(key)
        version = None if namespace is None else self.versions.get(namespace, 0)
        self.entries[key] = (value, None if ttl is None else now + ttl, version)

    def delete(self, key):
        self.entries.pop(key, None)

    def incr_version(self, namespace):
        self.versions[namespace] = self.versions.get(namespace, 0) + 1


# ---------------------------------------------------------------- basic behaviour


@pytest.mark.weight(2)
def test_set_get_delete(driver):
    cache, _, _ = make(driver)
    assert cache.get("user:1") is None
    assert cache.get("user:1", MISS) == MISS
    cache.set("user:1", {"name": "Ada"})
    cache.set("plain", [1, 2])
    assert cache.get("user:1") == {"name": "Ada"}
    assert cache.get("plain", MISS) == [1, 2]
    cache.set("user:1", "replaced")
    assert cache.get("user:1") == "replaced"
    cache.delete("user:1")
    assert cache.get("user:1", MISS) == MISS
    cache.delete("user:1")  # deleting a missing key is fine
    cache.delete("never-set")
    assert cache.get("plain") == [1, 2]


@pytest.mark.weight(2)
def test_a_stored_none_is_a_hit(driver):
    cache, _, _ = make(driver)
    cache.set("k", None)
    cache.set("ns:k", None)
    assert cache.get("k", MISS) is None
    assert cache.get("ns:k", MISS) is None
    factory = Factory("computed")
    assert cache.get_or_set("k", factory) is None
    assert cache.get_or_set("ns:k", factory) is None
    assert factory.calls == 0


@pytest.mark.weight(2)
def test_get_or_set_calls_the_factory_only_on_a_miss(driver):
    cache, _, clock = make(driver)
    factory = Factory(42)
    assert cache.get_or_set("answer", factory) == 42
    assert cache.get_or_set("answer", factory) == 42
    assert factory.calls == 1
    assert cache.get("answer") == 42
    other = Factory(None)
    assert cache.get_or_set("ns:none", other) is None
    assert cache.get_or_set("ns:none", other) is None
    assert other.calls == 1
    timed = Factory("t")
    assert cache.get_or_set("ns:timed", timed, ttl=5) == "t"
    clock.now += 5
    assert cache.get("ns:timed", MISS) == MISS
    assert cache.get_or_set("ns:timed", timed, 5) == "t"
    assert timed.calls == 2


def test_get_or_set_factory_errors_propagate_and_store_nothing(driver):
    cache, _, _ = make(driver)

    def broken():
        raise LookupError("upstream down")

    with pytest.raises(LookupError):
        cache.get_or_set("ns:k", broken)
    assert cache.get("ns:k", MISS) == MISS
    assert cache.get_or_set("ns:k", Factory(1)) == 1


@pytest.mark.weight(2)
def test_ttl_boundary(driver):
    cache, _, clock = make(driver, FakeClock(10.0))
    cache.set("ns:a", "x", ttl=2.5)
    cache.set("b", "y", 1)
    clock.now = 10.5
    assert cache.get("b", MISS) == "y"
    clock.now = 11.0
    assert cache.get("b", MISS) == MISS
    clock.now = 12.25
    assert cache.get("ns:a", MISS) == "x"
    clock.now = 12.5
    assert cache.get("ns:a", MISS) == MISS
    cache.set("ns:a", "again", ttl=0.5)  # set again: a fresh entry
    assert cache.get("ns:a") == "again"
    cache.set("ns:a", "forever")  # no ttl: never expires
    clock.now = 1e9
    assert cache.get("ns:a") == "forever"


BAD_TTLS = [0, -1, -0.5, float("nan"), 0.0]


@pytest.mark.parametrize("ttl", BAD_TTLS, ids=repr)
def test_set_with_a_bad_ttl_raises_and_changes_nothing(driver, ttl):
    cache, _, _ = make(driver)
    cache.set("ns:k", "old")
    with pytest.raises(ValueError):
        cache.set("ns:k", "new", ttl)
    with pytest.raises(ValueError):
        cache.set("fresh", "new", ttl=ttl)
    assert cache.get("ns:k") == "old"
    assert cache.get("fresh", MISS) == MISS


@pytest.mark.parametrize("ttl", BAD_TTLS, ids=repr)
def test_get_or_set_checks_the_ttl_first(driver, ttl):
    cache, _, _ = make(driver)
    cache.set("ns:k", "old")
    factory = Factory("made")
    with pytest.raises(ValueError):
        cache.get_or_set("ns:k", factory, ttl)  # a hit, but the ttl is checked first
    with pytest.raises(ValueError):
        cache.get_or_set("other", factory, ttl=ttl)  # a miss: the factory is not called
    assert factory.calls == 0
    assert cache.get("other", MISS) == MISS
    assert cache.get("ns:k") == "old"


def test_cached_checks_the_ttl_when_called(driver):
    cache, _, _ = make(driver)
    for ttl in BAD_TTLS:
        with pytest.raises(ValueError):
            cache.cached("ns", ttl=ttl)
    cache.cached("ns", ttl=0.5)
    cache.cached("ns")


# ---------------------------------------------------------------- versions and namespaces


@pytest.mark.weight(3)
def test_incr_version_invalidates_only_that_namespace(driver):
    cache, _, _ = make(driver)
    keys = ["user:1", "user:2", "user:1:profile", "users:1", "user", "post:user", "other:x"]
    for key in keys:
        cache.set(key, key.upper())
    cache.incr_version("user")
    assert [cache.get(key, MISS) for key in keys] == [MISS, MISS, MISS, "USERS:1", "USER", "POST:USER", "OTHER:X"]
    cache.set("user:1", "new")
    assert cache.get("user:1") == "new"
    assert cache.get("user:2", MISS) == MISS
    cache.incr_version("user")
    cache.incr_version("user")
    assert cache.get("user:1", MISS) == MISS
    cache.set("user:2", "newer")
    assert cache.get("user:2") == "newer"


@pytest.mark.weight(2)
def test_key_without_colon_has_no_namespace(driver):
    cache, _, _ = make(driver)
    cache.set("settings", 1)
    cache.set("settings:x", 2)
    cache.incr_version("settings")
    assert cache.get("settings") == 1
    assert cache.get("settings:x", MISS) == MISS


def test_namespace_is_what_precedes_the_first_colon(driver):
    cache, _, _ = make(driver)
    for key in [":x", "::", "a:b:c", "a:", "x"]:
        cache.set(key, key)
    cache.incr_version("a:b")  # no key has the namespace "a:b"
    assert [cache.get(k, MISS) for k in ["a:b:c", "a:"]] == ["a:b:c", "a:"]
    cache.incr_version("")
    assert [cache.get(k, MISS) for k in [":x", "::", "x"]] == [MISS, MISS, "x"]
    cache.incr_version("a")
    assert [cache.get(k, MISS) for k in ["a:b:c", "a:"]] == [MISS, MISS]


def test_incr_version_of_an_unused_namespace(driver):
    cache, _, _ = make(driver)
    cache.incr_version("nobody")
    cache.set("nobody:1", 1)
    assert cache.get("nobody:1") == 1


def test_delete_after_incr_version_and_set_again(driver):
    cache, _, _ = make(driver)
    cache.set("a:1", "v1")
    cache.incr_version("a")
    cache.delete("a:1")
    assert cache.get("a:1", MISS) == MISS
    cache.set("a:1", "v2")
    cache.delete("a:1")
    assert cache.get("a:1", MISS) == MISS


@pytest.mark.weight(2)
def test_bookkeeping_never_collides_with_user_keys(driver):
    cache, _, _ = make(driver)
    tricky = [
        "a:__version__",
        "__version__:a",
        "version:a",
        "a:version",
        "v:a",
        "a:v",
        "_v_a",
        "ns:a",
        "a:0",
        "a:1",
        "a:0:a:1",
        "version",
        "__version__",
        "a:__v__",
        "__v__:a",
        "a::version",
        "a:a",
    ]
    for index, key in enumerate(tricky):
        cache.set(key, index)
    cache.incr_version("a")
    cache.incr_version("version")
    survivors = {k: i for i, k in enumerate(tricky) if namespace_of(k) not in ("a", "version")}
    assert {k: cache.get(k, MISS) for k in tricky} == {k: survivors.get(k, MISS) for k in tricky}
    for index, key in enumerate(tricky):
        cache.set(key, -index)
    assert [cache.get(k, MISS) for k in tricky] == [-i for i in range(len(tricky))]


# ---------------------------------------------------------------- the backend


@pytest.mark.weight(6)
def test_incr_version_uses_a_constant_number_of_backend_operations(driver):
    cache, store, _ = make(driver)
    store.ops.clear()
    cache.incr_version("user")
    first = len(store.ops)
    run_batch(cache, [["set", [f"user:{i}", i]] for i in range(300)], bound_s=60)
    run_batch(cache, [["set", [f"post:{i}", i]] for i in range(50)], bound_s=60)
    store.ops.clear()
    cache.incr_version("user")
    with_keys = len(store.ops)
    assert first <= 10 and with_keys <= 10, (first, with_keys, store.ops[:20])
    results = run_batch(cache, [["get", [f"user:{i}", MISS]] for i in range(300)], bound_s=60)
    assert results == [MISS] * 300
    results = run_batch(cache, [["get", [f"post:{i}", MISS]] for i in range(50)], bound_s=60)
    assert results == list(range(50))


@pytest.mark.weight(3)
def test_all_state_lives_in_the_backend(driver):
    store, clock = Store(), FakeClock()
    first = driver.make_cache(store, clock)
    first.set("user:1", "a")
    first.set("user:2", "b", ttl=10)
    first.set("plain", "c")
    second = driver.make_cache(store, clock)  # created later, on the same backend
    assert [second.get(k) for k in ["user:1", "user:2", "plain"]] == ["a", "b", "c"]
    second.incr_version("user")
    assert first.get("user:1", MISS) == MISS
    first.set("user:1", "a2")
    assert second.get("user:1") == "a2"
    second.delete("plain")
    assert first.get("plain", MISS) == MISS
    first.set("ttl:k", 1, ttl=5)
    clock.now += 5
    assert second.get("ttl:k", MISS) == MISS


@pytest.mark.weight(2)
def test_a_shared_empty_dict_backend_is_used_as_is(driver):
    first, second = driver.caches_sharing_a_plain_dict(2)
    first.set("user:1", 1)
    first.set("k", 2)
    assert second.get("user:1") == 1 and second.get("k") == 2
    second.incr_version("user")
    assert first.get("user:1", MISS) == MISS


@pytest.mark.weight(2)
def test_a_shared_empty_dict_backend_with_ttls_and_get_or_set(driver):
    clock = FakeClock(0.0)
    first, second, third = driver.caches_sharing_a_plain_dict(3, clock)
    assert first.get_or_set("s:1", Factory("made"), ttl=2) == "made"
    factory = Factory("again")
    assert second.get_or_set("s:1", factory) == "made"
    assert factory.calls == 0
    clock.now = 2.0
    assert third.get("s:1", MISS) == MISS
    third.set("s:1", "third")
    first.incr_version("s")
    assert second.get("s:1", MISS) == MISS


@pytest.mark.weight(4)
def test_default_backends_are_not_shared(submission):
    first = submission.VersionedCache()
    second = submission.VersionedCache()
    first.set("user:1", 1)
    first.set("k", 1)
    assert second.get("user:1", MISS) == MISS
    assert second.get("k", MISS) == MISS
    second.incr_version("user")
    assert first.get("user:1") == 1


def test_default_clock_and_positional_arguments(submission):
    cache = submission.VersionedCache({})
    cache.set("ns:k", "v", 3600)
    cache.set("k", "w")
    assert cache.get("ns:k") == "v" and cache.get("k") == "w"
    assert cache.get_or_set("ns:x", lambda: 5, 3600) == 5


# ---------------------------------------------------------------- cached()


@pytest.mark.weight(3)
def test_cached_calls_binding_to_the_same_arguments_share_an_entry(driver):
    cache, _, _ = make(driver)
    recorder = Recorder()
    price = driver.decorate(cache, "prices", "price", recorder)
    first = price("apple")
    assert price("apple", 1) == first
    assert price(item="apple") == first
    assert price("apple", qty=1, currency="EUR") == first
    assert price(currency="EUR", qty=1, item="apple") == first
    assert len(recorder.calls) == 1
    assert recorder.calls[0] == ("price", "apple", 1, "EUR")
    second = price("apple", 2)
    assert second != first
    assert price(qty=2, item="apple") == second
    third = price("apple", currency="USD")
    assert len({first, second, third}) == 3
    assert len(recorder.calls) == 3


@pytest.mark.weight(2)
def test_cached_default_argument(driver):
    cache, _, _ = make(driver)
    recorder = Recorder()
    scale = driver.decorate(cache, "s", "scale", recorder)
    value = scale()
    assert scale(1) == value
    assert scale(a=1) == value
    assert scale(2) != value
    assert len(recorder.calls) == 2


@pytest.mark.weight(2)
def test_cached_keeps_different_arguments_apart(driver):
    cache, _, _ = make(driver)
    recorder = Recorder()
    price = driver.decorate(cache, "p", "price", recorder)
    results = [
        price("1"),
        price(1),
        price("a:1"),
        price("a", 1),
        price("a", "1"),
        price("a,1"),
        price(None),
        price("None"),
        price(""),
        price("apple", 1, currency=""),
        price((1, 2)),
        price("(1, 2)"),
    ]
    assert len(set(results)) == len(results)
    assert len(recorder.calls) == len(results)
    assert price("a", 1) == results[3]


def test_cached_varargs_and_kwargs(driver):
    cache, _, _ = make(driver)
    recorder = Recorder()
    report = driver.decorate(cache, "r", "report", recorder)
    first = report("t", 1, 2, x=1, y=2)
    assert report("t", 1, 2, y=2, x=1) == first
    assert report(title="t") != first
    assert report("t", 1, 2) != first
    assert report("t", 1, 2, x=1) != first
    assert report("t", (1, 2)) != first
    assert len(recorder.calls) == 5
    assert recorder.calls[0] == ("report", "t", [1, 2], {"x": 1, "y": 2})


@pytest.mark.weight(3)
def test_cached_functions_do_not_share_entries(driver):
    cache, _, _ = make(driver)
    recorder = Recorder()
    price = driver.decorate(cache, "shop", "price", recorder)
    stock = driver.decorate(cache, "shop", "stock", recorder)
    assert price("apple") == "price#1"
    assert stock("apple") == "stock#2"
    assert price("apple") == "price#1"
    assert stock("apple") == "stock#2"


@pytest.mark.weight(2)
def test_cached_none_ttl_and_incr_version(driver):
    clock = FakeClock(0.0)
    cache, _, _ = make(driver, clock)
    recorder = Recorder(results=[None, "second", "third", "fourth"])
    config = driver.decorate(cache, "cfg", "config", recorder, ttl=10)
    assert config() is None
    assert config() is None  # a cached None is a hit
    assert len(recorder.calls) == 1
    clock.now = 9.5
    assert config() is None
    clock.now = 10.0
    assert config() == "second"
    cache.incr_version("other")
    assert config() == "second"
    cache.incr_version("cfg")
    assert config() == "third"
    assert config() == "third"
    assert len(recorder.calls) == 3


def test_cached_without_ttl_never_expires_and_errors_are_not_cached(driver):
    clock = FakeClock(0.0)
    cache, _, _ = make(driver, clock)
    recorder = Recorder(results=[ValueError("flaky"), "ok", "later"])
    config = driver.decorate(cache, "cfg", "config", recorder)
    with pytest.raises(ValueError):
        config()
    assert config() == "ok"
    clock.now = 1e9
    assert config() == "ok"
    assert len(recorder.calls) == 2


ITEMS = ["1", 1, "None", None, "a:1", ("a", 1)]


@st.composite
def cached_calls(draw):
    """One call of price/stock, its arguments written in one of the equivalent ways."""
    function = draw(st.sampled_from(["price", "stock"]))
    item = draw(st.sampled_from(ITEMS))
    qty = draw(st.sampled_from([None, 1, 1, 2]))  # None: left to its default (1)
    currency = draw(st.sampled_from([None, "EUR", "EUR", "USD"]))  # None: left to its default ("EUR")
    args, kwargs = [], {}
    if draw(st.booleans()):
        args.append(item)
        if qty is not None and draw(st.booleans()):
            args.append(qty)
        elif qty is not None:
            kwargs["qty"] = qty
    else:
        kwargs["item"] = item
        if qty is not None:
            kwargs["qty"] = qty
    if currency is not None:
        kwargs["currency"] = currency
    bound = (function, item, 1 if qty is None else qty, "EUR" if currency is None else currency)
    return ("call", function, args, kwargs, bound)


cached_steps = st.lists(
    st.one_of(
        cached_calls(),
        cached_calls(),
        cached_calls(),
        st.tuples(st.just("incr"), st.sampled_from(["shop", "other"])),
        st.tuples(st.just("advance"), st.sampled_from([0.5, 1.0, 2.0])),
    ),
    max_size=16,
)


@pytest.mark.weight(5)
@settings(max_examples=60)
@given(steps=cached_steps)
# Cases the random search must not depend on luck to meet.
@example(
    steps=[
        ("call", "price", ["1"], {}, ("price", "1", 1, "EUR")),
        ("call", "price", [1], {}, ("price", 1, 1, "EUR")),
        ("call", "stock", ["1"], {}, ("stock", "1", 1, "EUR")),
        ("call", "price", [None], {"qty": 2}, ("price", None, 2, "EUR")),
        ("call", "price", ["None", 2], {}, ("price", "None", 2, "EUR")),
    ]
)
@example(
    steps=[
        ("call", "price", ["a:1"], {}, ("price", "a:1", 1, "EUR")),
        ("call", "price", [], {"item": "a:1", "qty": 1, "currency": "EUR"}, ("price", "a:1", 1, "EUR")),
        ("advance", 2.0),
        ("call", "price", ["a:1", 1], {}, ("price", "a:1", 1, "EUR")),
        ("call", "stock", [("a", 1)], {"currency": "EUR"}, ("stock", ("a", 1), 1, "EUR")),
        ("incr", "shop"),
        ("call", "stock", [], {"item": ("a", 1)}, ("stock", ("a", 1), 1, "EUR")),
    ]
)
def test_cached_matches_the_oracle(driver, steps):
    """price is cached in "shop" with ttl 2, stock in "shop" too without ttl; one default backend."""
    clock = FakeClock(0.0)
    cache = driver.make_cache(None, clock)
    recorder = Recorder()
    functions = {
        "price": driver.decorate(cache, "shop", "price", recorder, 2),
        "stock": driver.decorate(cache, "shop", "stock", recorder),
    }
    namespace = {"price": "shop", "stock": "shop"}
    ttl = {"price": 2, "stock": None}
    entries, versions = {}, {}
    for step in steps:
        if step[0] == "incr":
            cache.incr_version(step[1])
            versions[step[1]] = versions.get(step[1], 0) + 1
            continue
        if step[0] == "advance":
            clock.now += step[1]
            continue
        _, function, args, kwargs, bound = step
        calls_before = len(recorder.calls)
        result = functions[function](*args, **kwargs)
        version = versions.get(namespace[function], 0)
        entry = entries.get(bound)
        fresh = entry is not None and entry[2] == version and (entry[1] is None or clock.now < entry[1])
        if fresh:
            assert result == entry[0]
            assert len(recorder.calls) == calls_before
        else:
            assert len(recorder.calls) == calls_before + 1
            assert recorder.calls[-1] == bound
            assert result == f"{function}#{len(recorder.calls)}"
            expires = None if ttl[function] is None else clock.now + ttl[function]
            entries[bound] = (result, expires, version)


# ---------------------------------------------------------------- the state machine

KEYS = [
    "a:1",
    "a:2",
    "a:b:c",
    "a:",
    "b:1",
    "b:a:1",
    ":x",
    "a",
    "b",
    "",
    "a:__version__",
    "__version__:a",
    "version:a",
    "v:a",
    "a:0",
    "a:1:0",
]
NAMESPACES = ["a", "b", "", "version", "__version__", "a:b", "x"]
VALUES = st.one_of(
    st.none(), st.integers(-3, 3), st.text(alphabet="xy:", max_size=2), st.lists(st.integers(0, 2), max_size=2)
)
TTLS = st.sampled_from([None, None, 0.5, 1, 2.5, 10])


class CacheMachine(RuleBasedStateMachine):
    """Two caches over one backend and one clock, against one model."""

    @initialize()
    def create(self):
        driver = current_driver()
        self.store = Store()
        self.clock = FakeClock(50.0)
        self.caches = [driver.make_cache(self.store, self.clock), driver.make_cache(self.store, self.clock)]
        self.model = ModelCache()

    @rule(which=st.integers(0, 1), key=st.sampled_from(KEYS), value=VALUES, ttl=TTLS)
    def set(self, which, key, value, ttl):
        self.caches[which].set(key, value, ttl)
        self.model.set(key, value, ttl, self.clock.now)

    @rule(which=st.integers(0, 1), key=st.sampled_from(KEYS), ttl=st.sampled_from([0, -2, float("nan")]))
    def set_with_bad_ttl(self, which, key, ttl):
        with pytest.raises(ValueError):
            self.caches[which].set(key, "bad", ttl=ttl)

    @rule(which=st.integers(0, 1), key=st.sampled_from(KEYS), ttl=st.sampled_from([0, -2, float("nan")]))
    def get_or_set_with_bad_ttl(self, which, key, ttl):
        factory = Factory("bad")
        with pytest.raises(ValueError):
            self.caches[which].get_or_set(key, factory, ttl)
        assert factory.calls == 0

    @rule(which=st.integers(0, 1), key=st.sampled_from(KEYS))
    def get(self, which, key):
        assert self.caches[which].get(key, MISS) == self.model.get(key, MISS, self.clock.now)

    @rule(which=st.integers(0, 1), key=st.sampled_from(KEYS))
    def get_default_none(self, which, key):
        assert self.caches[which].get(key) == self.model.get(key, None, self.clock.now)

    @rule(which=st.integers(0, 1), key=st.sampled_from(KEYS))
    def delete(self, which, key):
        self.caches[which].delete(key)
        self.model.delete(key)

    @rule(which=st.integers(0, 1), key=st.sampled_from(KEYS), value=VALUES, ttl=TTLS)
    def get_or_set(self, which, key, value, ttl):
        factory = Factory(value)
        expected = self.model.get(key, MISS, self.clock.now)
        result = self.caches[which].get_or_set(key, factory, ttl)
        if expected == MISS:
            assert factory.calls == 1
            assert result == value
            self.model.set(key, value, ttl, self.clock.now)
        else:
            assert factory.calls == 0
            assert result == expected

    @rule(which=st.integers(0, 1), namespace=st.sampled_from(NAMESPACES))
    def incr_version(self, which, namespace):
        self.caches[which].incr_version(namespace)
        self.model.incr_version(namespace)

    @rule(seconds=st.sampled_from([0.5, 1, 2]))
    def advance(self, seconds):
        self.clock.now += seconds

    @invariant()
    def only_allowed_operations(self):
        if hasattr(self, "store"):
            assert set(self.store.ops) <= {"get", "getitem", "setitem", "contains", "delitem", "pop"}


TestCacheMachine = pytest.mark.weight(6)(CacheMachine.TestCase)
TestCacheMachine.settings = settings(max_examples=30, stateful_step_count=25)


# ---------------------------------------------------------------- generated: shared dict, namespaces, O(1) bumps

SHARED_KEYS = ["a:1", "a:2", "a:b:c", "b:1", ":x", "a", "b"]
SHARED_NAMESPACES = ["a", "b", ""]
ANY_TTLS = st.sampled_from([None, None, 1, 2.5, 0, -1, float("nan")])
cache_indexes = st.integers(0, 2)
shared_steps = st.lists(
    st.one_of(
        st.tuples(st.just("set"), cache_indexes, st.sampled_from(SHARED_KEYS), VALUES, TTLS),
        st.tuples(st.just("get"), cache_indexes, st.sampled_from(SHARED_KEYS)),
        st.tuples(st.just("get"), cache_indexes, st.sampled_from(SHARED_KEYS)),
        st.tuples(st.just("get_or_set"), cache_indexes, st.sampled_from(SHARED_KEYS), VALUES, ANY_TTLS),
        st.tuples(st.just("delete"), cache_indexes, st.sampled_from(SHARED_KEYS)),
        st.tuples(st.just("incr"), cache_indexes, st.sampled_from(SHARED_NAMESPACES)),
        st.tuples(st.just("advance"), st.sampled_from([0.5, 1, 2.5])),
    ),
    max_size=20,
)


def valid_ttl(ttl):
    return ttl is None or ttl > 0


@pytest.mark.weight(3)
@settings(max_examples=50)
@given(steps=shared_steps)
def test_caches_sharing_one_dict_match_the_oracle(driver, steps):
    clock = FakeClock(0.0)
    caches = driver.caches_sharing_a_plain_dict(3, clock)
    model = ModelCache()
    for step in steps:
        if step[0] == "advance":
            clock.now += step[1]
        elif step[0] == "set":
            _, which, key, value, ttl = step
            caches[which].set(key, value, ttl)
            model.set(key, value, ttl, clock.now)
        elif step[0] == "get":
            _, which, key = step
            assert caches[which].get(key, MISS) == model.get(key, MISS, clock.now)
        elif step[0] == "delete":
            _, which, key = step
            caches[which].delete(key)
            model.delete(key)
        elif step[0] == "incr":
            _, which, namespace = step
            caches[which].incr_version(namespace)
            model.incr_version(namespace)
        else:
            _, which, key, value, ttl = step
            factory = Factory(value)
            if not valid_ttl(ttl):
                with pytest.raises(ValueError):
                    caches[which].get_or_set(key, factory, ttl)
                assert factory.calls == 0
                continue
            expected = model.get(key, MISS, clock.now)
            result = caches[which].get_or_set(key, factory, ttl)
            if expected == MISS:
                assert (result, factory.calls) == (value, 1)
                model.set(key, value, ttl, clock.now)
            else:
                assert (result, factory.calls) == (expected, 0)


@st.composite
def keys_and_a_namespace(draw):
    """Keys over a tiny alphabet, and a namespace that is the text before some key's first colon."""
    keys = draw(st.lists(st.text(alphabet="ab:", max_size=4), min_size=1, max_size=8, unique=True))
    namespace = draw(st.sampled_from(sorted({key.split(":")[0] for key in keys} | {"a:b"})))
    return keys, namespace


@settings(max_examples=50)
@given(case=keys_and_a_namespace())
def test_any_key_is_invalidated_exactly_when_its_namespace_is_bumped(driver, case):
    keys, namespace = case
    cache, _, _ = make(driver)
    for index, key in enumerate(keys):
        cache.set(key, index)
    cache.incr_version(namespace)
    expected = {key: MISS if namespace_of(key) == namespace else index for index, key in enumerate(keys)}
    assert {key: cache.get(key, MISS) for key in keys} == expected
    for index, key in enumerate(keys):
        cache.set(key, -index)
    assert {key: cache.get(key, MISS) for key in keys} == {key: -index for index, key in enumerate(keys)}


@pytest.mark.weight(2)
@settings(max_examples=20)
@given(
    count=st.integers(0, 40),
    others=st.integers(0, 4),
    bumps_before=st.integers(0, 2),
    namespace=st.sampled_from(["user", "u", ""]),
)
def test_incr_version_stays_within_the_operation_bound_for_any_number_of_keys(
    driver, count, others, bumps_before, namespace
):
    cache, store, _ = make(driver)
    for _ in range(bumps_before):
        cache.incr_version(namespace)
    for i in range(count):
        cache.set(f"{namespace}:{i}", i)
    for i in range(others):
        cache.set(f"other:{i}", i)
    store.ops.clear()
    cache.incr_version(namespace)
    assert len(store.ops) <= 10, (count, len(store.ops), store.ops[:20])
    assert [cache.get(f"{namespace}:{i}", MISS) for i in range(count)] == [MISS] * count
    assert [cache.get(f"other:{i}", MISS) for i in range(others)] == list(range(others))
