"""Hidden suite for lru-cache: examples, an oracle-driven state machine, properties, performance."""

from collections import OrderedDict

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from grader.testing import current_submission, run_batch


class ModelLRU:
    """The oracle: obviously correct, not necessarily fast."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.data = OrderedDict()

    def get(self, key):
        if key not in self.data:
            return -1
        self.data.move_to_end(key)
        return self.data[key]

    def put(self, key, value):
        self.data[key] = value
        self.data.move_to_end(key)
        if len(self.data) > self.capacity:
            self.data.popitem(last=False)
        return None

    def __len__(self):
        return len(self.data)


keys = st.one_of(st.integers(-3, 6), st.sampled_from(["a", "b", "c", ""]))
values = st.one_of(st.integers(-2, 2), st.none(), st.text(max_size=3))


def operations(key_strategy, min_size=0):
    return st.lists(
        st.one_of(
            st.tuples(st.just("put"), st.tuples(key_strategy, values)),
            st.tuples(st.just("get"), st.tuples(key_strategy)),
            st.tuples(st.just("__len__"), st.just(())),
        ),
        min_size=min_size,
        max_size=60,
    )


@st.composite
def scenarios(draw):
    """A capacity, and operations on a cache filled to it, on one or two keys more than it holds.

    So few keys that they repeat (updates, hits), and just enough that the full cache
    keeps overflowing (evictions): which key goes depends on the order of use.
    """
    capacity = draw(st.integers(1, 5))
    pool = draw(st.lists(keys, min_size=capacity + 1, max_size=capacity + 2, unique=True))
    fill = [("put", (key, number)) for number, key in enumerate(pool[:capacity])]
    return capacity, fill + draw(operations(st.sampled_from(pool), min_size=2 * capacity + 2))


def apply_to_model(capacity, ops):
    model = ModelLRU(capacity)
    return [getattr(model, name)(*args) for name, args in ops]


@pytest.mark.weight(3)
@settings(max_examples=25)
@example(capacity=0)
@example(capacity=-1)
@example(capacity=-100)
@given(capacity=st.integers(-(2**63), 0))
def test_capacity_below_one_raises_value_error(submission, capacity):
    with pytest.raises(ValueError):
        submission.LRUCache(capacity)


def test_capacity_one_keeps_only_the_last_key(submission):
    cache = submission.LRUCache(1)
    cache.put(1, "x")
    cache.put(2, "y")
    assert cache.get(1) == -1
    assert cache.get(2) == "y"
    assert len(cache) == 1


def test_missing_key_returns_minus_one_and_changes_nothing(submission):
    cache = submission.LRUCache(2)
    assert cache.get("nope") == -1
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("zzz") == -1
    cache.put("c", 3)  # "a" is still the least recently used
    assert cache.get("a") == -1
    assert cache.get("b") == 2


def test_get_refreshes_recency(submission):
    cache = submission.LRUCache(2)
    cache.put(1, 1)
    cache.put(2, 2)
    assert cache.get(1) == 1
    cache.put(3, 3)
    assert cache.get(2) == -1
    assert cache.get(1) == 1
    assert cache.get(3) == 3


def test_update_refreshes_recency_and_value_without_evicting(submission):
    cache = submission.LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    assert len(cache) == 2
    assert cache.get("b") == 2  # the update evicted nothing
    cache.put("c", 3)  # "a" was used before "b" was read
    assert cache.get("a") == -1
    assert cache.get("b") == 2
    assert cache.get("c") == 3


def test_put_on_an_existing_key_makes_it_most_recently_used(submission):
    cache = submission.LRUCache(2)
    cache.put(1, 1)
    cache.put(2, 2)
    cache.put(1, 10)  # 1 becomes the most recently used key, so 2 is now the least recently used
    cache.put(3, 3)
    assert cache.get(2) == -1
    assert cache.get(1) == 10
    assert cache.get(3) == 3


def test_put_on_an_existing_key_replaces_its_value(submission):
    cache = submission.LRUCache(3)
    cache.put("k", "old")
    cache.put("k", "new")
    assert cache.get("k") == "new"
    cache.put(7, 1)
    cache.put(7, 2)
    cache.put(7, 3)
    assert cache.get(7) == 3
    assert len(cache) == 2


def test_stored_values_are_returned_as_stored(submission):
    cache = submission.LRUCache(3)
    cache.put("none", None)
    cache.put("minus", -1)
    cache.put("zero", 0)
    assert cache.get("none") is None
    assert cache.get("minus") == -1
    assert cache.get("zero") == 0
    assert len(cache) == 3


def test_len_counts_distinct_keys(submission):
    cache = submission.LRUCache(10)
    assert len(cache) == 0
    for key in [1, 2, 2, 3, 1]:
        cache.put(key, key)
    assert len(cache) == 3


@pytest.mark.weight(3)
@settings(max_examples=150)
# The edges: a put or a get on the least recently used key must save it from the next eviction.
@example(scenario=(2, [("put", (1, 1)), ("put", (2, 2)), ("put", (1, 10)), ("put", (3, 3)), ("get", (1,)), ("get", (2,))]))
@example(scenario=(2, [("put", (1, 1)), ("put", (2, 2)), ("get", (1,)), ("put", (3, 3)), ("get", (1,)), ("get", (2,))]))
@given(scenario=scenarios())
def test_any_sequence_matches_the_model(submission, scenario):
    capacity, ops = scenario
    cache = submission.LRUCache(capacity)
    results = run_batch(cache, [[name, list(args)] for name, args in ops], bound_s=30)
    assert results == apply_to_model(capacity, ops)


class LRUMachine(RuleBasedStateMachine):
    """Drives the submission and the model step by step, comparing every answer."""

    @initialize(capacity=st.integers(1, 4))
    def create(self, capacity):
        self.cache = current_submission().LRUCache(capacity)
        self.model = ModelLRU(capacity)

    @rule(key=keys, value=values)
    def put(self, key, value):
        self.cache.put(key, value)
        self.model.put(key, value)

    @rule(key=keys)
    def get(self, key):
        assert self.cache.get(key) == self.model.get(key)

    # Keys already cached, least recently used first (what shrinking goes to): updates and hits
    # that must change which key the next new one evicts.
    @precondition(lambda self: len(self.model) > 0)
    @rule(data=st.data(), value=values)
    def put_cached_key(self, data, value):
        key = data.draw(st.sampled_from(list(self.model.data)), label="cached key")
        self.cache.put(key, value)
        self.model.put(key, value)

    @precondition(lambda self: len(self.model) > 0)
    @rule(data=st.data())
    def get_cached_key(self, data):
        key = data.draw(st.sampled_from(list(self.model.data)), label="cached key")
        assert self.cache.get(key) == self.model.get(key)

    @precondition(lambda self: hasattr(self, "model"))
    @invariant()
    def same_size(self):
        assert len(self.cache) == len(self.model)


TestLRUMachine = pytest.mark.weight(3)(LRUMachine.TestCase)
# No "explain" phase: on a failing machine it costs several times the search and the shrinking together.
TestLRUMachine.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)


def perf_operations(capacity, total):
    """Fill the cache, then keep touching the most recent keys while new keys arrive.

    A structure that finds keys by scanning (a list, a deque) scans almost all
    `capacity` entries for each of these reads; a hash map plus a linked list
    does constant work.
    """
    ops = [["put", [key, key]] for key in range(capacity)]
    newest = capacity - 1
    while len(ops) < total:
        newest += 1
        ops.append(["put", [newest, newest]])
        ops.append(["get", [newest - 1 - (len(ops) % 50)]])
    return ops[:total]


@pytest.mark.weight(3)
def test_two_hundred_thousand_operations_in_constant_time_each(submission):
    capacity = 50_000
    ops = perf_operations(capacity, 200_000)
    cache = submission.LRUCache(capacity)
    results = run_batch(cache, ops, bound_s=8.0)
    assert results == apply_to_model(capacity, ops)
    assert len(cache) == capacity
