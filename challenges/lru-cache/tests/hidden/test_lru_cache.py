"""Hidden suite for lru-cache: examples, an oracle-driven state machine, properties, performance."""

from collections import OrderedDict

import pytest
from hypothesis import Phase, given, settings
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
operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.tuples(keys, values)),
        st.tuples(st.just("get"), st.tuples(keys)),
        st.tuples(st.just("__len__"), st.just(())),
    ),
    max_size=60,
)


def apply_to_model(capacity, ops):
    model = ModelLRU(capacity)
    return [getattr(model, name)(*args) for name, args in ops]


@pytest.mark.parametrize("capacity", [0, -1, -100])
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
@given(capacity=st.integers(1, 5), ops=operations)
def test_any_sequence_matches_the_model(submission, capacity, ops):
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
