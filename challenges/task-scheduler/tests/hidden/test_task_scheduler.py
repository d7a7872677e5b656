"""Hidden suite for task-scheduler: examples per rule, an oracle state machine, properties, performance."""

import heapq
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from grader.testing import current_submission, run_batch


class Payload:
    """A harness-side object: crosses by reference, has no ordering and no value equality."""

    def __init__(self, tag):
        self.tag = tag

    def __repr__(self):
        return f"Payload({self.tag!r})"


class ModelScheduler:
    """The oracle: obviously correct, linear time."""

    def __init__(self):
        self.tasks = {}  # id -> (priority, sequence, data)
        self.counter = itertools.count()

    def add_task(self, priority, task_id, data=None):
        self.tasks[task_id] = (priority, next(self.counter), data)

    def _first(self):
        if not self.tasks:
            return None
        return min(self.tasks, key=lambda task_id: self.tasks[task_id][:2])

    def peek(self):
        task_id = self._first()
        if task_id is None:
            return None
        priority, _, data = self.tasks[task_id]
        return (priority, task_id, data)

    def get_next_task(self):
        result = self.peek()
        if result is not None:
            del self.tasks[result[1]]
        return result

    def cancel(self, task_id):
        return self.tasks.pop(task_id, None) is not None

    def __len__(self):
        return len(self.tasks)


def same(actual, expected):
    """Tuples compared item by item; a Payload must come back as the very same object."""
    if expected is None or actual is None:
        return actual is expected
    if type(actual) is not tuple or len(actual) != 3:
        return False
    if actual[:2] != expected[:2] or type(actual[0]) is not int:
        return False
    if isinstance(expected[2], Payload):
        return actual[2] is expected[2]
    return type(actual[2]) is type(expected[2]) and actual[2] == expected[2]


# ---------------------------------------------------------------- rule by rule


def test_empty_scheduler(submission):
    s = submission.TaskScheduler()
    assert len(s) == 0
    assert s.peek() is None
    assert s.get_next_task() is None
    assert s.cancel("missing") is False
    assert len(s) == 0


def test_returns_a_plain_tuple(submission):
    s = submission.TaskScheduler()
    s.add_task(3, "a", "payload")
    peeked = s.peek()
    assert type(peeked) is tuple and peeked == (3, "a", "payload")
    popped = s.get_next_task()
    assert type(popped) is tuple and popped == (3, "a", "payload")


def test_data_defaults_to_none(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "a")
    assert s.get_next_task() == (1, "a", None)


@pytest.mark.weight(2)
def test_lower_number_first_then_insertion_order(submission):
    s = submission.TaskScheduler()
    s.add_task(2, "b1")
    s.add_task(1, "a1")
    s.add_task(2, "a2")  # ids are not the tie-break: "a2" < "b1" but was added later
    s.add_task(-4, "z")
    s.add_task(1, "0")
    popped = [s.get_next_task() for _ in range(6)]
    assert popped == [(-4, "z", None), (1, "a1", None), (1, "0", None), (2, "b1", None), (2, "a2", None), None]


def test_insertion_order_among_many_equal_priorities(submission):
    s = submission.TaskScheduler()
    ids = [f"t{n}" for n in range(30, 0, -1)]
    for task_id in ids:
        s.add_task(7, task_id)
    assert [s.get_next_task()[1] for _ in ids] == ids


def test_large_and_negative_priorities(submission):
    s = submission.TaskScheduler()
    s.add_task(10**20, "huge")
    s.add_task(-(10**20), "tiny")
    s.add_task(0, "zero")
    expected = [(-(10**20), "tiny", None), (0, "zero", None), (10**20, "huge", None)]
    assert [s.get_next_task() for _ in range(3)] == expected


def test_empty_string_is_a_valid_id(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "")
    assert s.peek() == (1, "", None)
    assert s.cancel("") is True
    assert len(s) == 0


@pytest.mark.weight(2)
def test_peek_does_not_remove(submission):
    s = submission.TaskScheduler()
    s.add_task(2, "b")
    s.add_task(1, "a", [1, 2])
    assert s.peek() == (1, "a", [1, 2])
    assert s.peek() == (1, "a", [1, 2])
    assert len(s) == 2
    assert s.get_next_task() == (1, "a", [1, 2])
    assert s.peek() == (2, "b", None)


@pytest.mark.weight(2)
def test_uncomparable_data_with_equal_priorities(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "x", {"n": 1})
    s.add_task(1, "y", {"n": 2})
    s.add_task(1, "x", {"n": 3})  # re-add with the same priority: two entries may share (priority, id)
    s.add_task(1, "z", {"n": 4})
    assert s.get_next_task() == (1, "y", {"n": 2})
    assert s.get_next_task() == (1, "x", {"n": 3})
    assert s.get_next_task() == (1, "z", {"n": 4})


@pytest.mark.weight(2)
def test_data_comes_back_as_the_same_object(submission):
    first, second, third = Payload("first"), Payload("second"), Payload("third")
    s = submission.TaskScheduler()
    s.add_task(0, "a", first)
    s.add_task(0, "b", second)
    s.add_task(0, "a", third)
    s.add_task(0, "b", first)
    peeked = s.peek()
    assert peeked[:2] == (0, "a") and peeked[2] is third
    popped = s.get_next_task()
    assert popped[:2] == (0, "a") and popped[2] is third
    popped = s.get_next_task()
    assert popped[:2] == (0, "b") and popped[2] is first
    assert s.get_next_task() is None


@pytest.mark.weight(2)
def test_readd_with_same_priority_moves_to_the_back(submission):
    s = submission.TaskScheduler()
    s.add_task(5, "a", "old")
    s.add_task(5, "b")
    s.add_task(5, "c")
    s.add_task(5, "a", "new")
    assert len(s) == 3
    assert [s.get_next_task() for _ in range(4)] == [(5, "b", None), (5, "c", None), (5, "a", "new"), None]


@pytest.mark.weight(2)
def test_readd_changes_priority_and_goes_behind_that_priority(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "a")
    s.add_task(3, "b")
    s.add_task(3, "c")
    s.add_task(9, "d")
    s.add_task(3, "a", "moved")  # later than b and c at priority 3
    s.add_task(0, "d")  # now first
    assert len(s) == 4
    assert [s.get_next_task() for _ in range(5)] == [
        (0, "d", None),
        (3, "b", None),
        (3, "c", None),
        (3, "a", "moved"),
        None,
    ]


def test_readd_to_a_lower_number_runs_earlier(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "a")
    s.add_task(4, "b")
    s.add_task(0, "b")
    assert s.peek() == (0, "b", None)
    assert s.get_next_task() == (0, "b", None)
    assert s.get_next_task() == (1, "a", None)
    assert s.get_next_task() is None


@pytest.mark.weight(2)
def test_cancel(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "a")
    s.add_task(2, "b")
    s.add_task(3, "c")
    assert s.cancel("a") is True
    assert s.cancel("a") is False
    assert s.cancel("zzz") is False
    assert len(s) == 2
    assert s.peek() == (2, "b", None)
    assert s.cancel("c") is True
    assert s.get_next_task() == (2, "b", None)
    assert s.get_next_task() is None
    assert len(s) == 0


def test_cancel_of_a_popped_task_is_false(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "a")
    s.add_task(2, "b")
    assert s.get_next_task() == (1, "a", None)
    assert s.cancel("a") is False
    assert len(s) == 1


def test_cancel_after_readd_removes_the_task_entirely(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "a", "v1")
    s.add_task(2, "a", "v2")
    s.add_task(3, "b")
    assert s.cancel("a") is True
    assert len(s) == 1
    assert s.get_next_task() == (3, "b", None)
    assert s.get_next_task() is None


def test_ids_can_be_reused_after_pop_and_cancel(submission):
    s = submission.TaskScheduler()
    s.add_task(1, "a", "first")
    assert s.get_next_task() == (1, "a", "first")
    s.add_task(2, "b")
    s.add_task(2, "a", "second")
    assert s.cancel("a") is True
    s.add_task(0, "a", "third")
    assert len(s) == 2
    assert s.get_next_task() == (0, "a", "third")
    assert s.get_next_task() == (2, "b", None)
    assert s.get_next_task() is None


def test_len_counts_live_tasks_only(submission):
    s = submission.TaskScheduler()
    for n, task_id in enumerate("abcab"):
        s.add_task(n, task_id)
    assert len(s) == 3
    s.cancel("b")
    assert len(s) == 2
    s.get_next_task()
    assert len(s) == 1
    s.add_task(0, "c")  # "c" was popped: this is a new task
    assert len(s) == 2


def test_instances_are_independent(submission):
    first = submission.TaskScheduler()
    second = submission.TaskScheduler()
    first.add_task(1, "a")
    assert len(second) == 0
    assert second.peek() is None
    assert second.cancel("a") is False
    assert first.get_next_task() == (1, "a", None)


# ---------------------------------------------------------------- properties and state machine

priorities = st.one_of(st.integers(-2, 3), st.sampled_from([-(10**20), 10**20]))
task_ids = st.sampled_from(["a", "b", "c", "d", "", "task-1"])
plain_data = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.text(alphabet="xy z", max_size=3),
    st.dictionaries(st.sampled_from(["k", "v"]), st.integers(0, 3), max_size=2),
    st.tuples(st.integers(0, 2), st.none()),
    st.lists(st.integers(0, 2), max_size=2),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add_task"), st.tuples(priorities, task_ids, plain_data)),
        st.tuples(st.just("add_task"), st.tuples(priorities, task_ids)),
        st.tuples(st.just("get_next_task"), st.just(())),
        st.tuples(st.just("peek"), st.just(())),
        st.tuples(st.just("cancel"), st.tuples(task_ids)),
        st.tuples(st.just("__len__"), st.just(())),
    ),
    max_size=60,
)


@pytest.mark.weight(3)
@settings(max_examples=100)
@given(ops=operations)
def test_any_sequence_matches_the_model(submission, ops):
    s = submission.TaskScheduler()
    results = run_batch(s, [[name, list(args)] for name, args in ops], bound_s=30)
    model = ModelScheduler()
    expected = [getattr(model, name)(*args) for name, args in ops]
    assert len(results) == len(expected)
    for (name, _), actual, wanted in zip(ops, results, expected, strict=True):
        if name in ("get_next_task", "peek"):
            assert same(actual, wanted), (name, actual, wanted)
        else:
            assert actual == wanted and type(actual) is type(wanted), (name, actual, wanted)


class SchedulerMachine(RuleBasedStateMachine):
    """Drives the submission and the model step by step, comparing every answer."""

    @initialize()
    def create(self):
        self.scheduler = current_submission().TaskScheduler()
        self.model = ModelScheduler()

    @rule(priority=priorities, task_id=task_ids, data=plain_data)
    def add_plain(self, priority, task_id, data):
        assert self.scheduler.add_task(priority, task_id, data) is None
        self.model.add_task(priority, task_id, data)

    @rule(priority=priorities, task_id=task_ids, tag=st.integers(0, 9))
    def add_object(self, priority, task_id, tag):
        payload = Payload(tag)
        self.scheduler.add_task(priority, task_id, payload)
        self.model.add_task(priority, task_id, payload)

    @rule(data=st.data(), priority=priorities)
    def readd_live(self, data, priority):
        if not self.model.tasks:
            return
        task_id = data.draw(st.sampled_from(sorted(self.model.tasks)))
        payload = Payload("again")
        self.scheduler.add_task(priority, task_id, payload)
        self.model.add_task(priority, task_id, payload)

    @rule()
    def get_next(self):
        expected = self.model.get_next_task()
        actual = self.scheduler.get_next_task()
        assert same(actual, expected), (actual, expected)

    @rule()
    def peek(self):
        expected = self.model.peek()
        actual = self.scheduler.peek()
        assert same(actual, expected), (actual, expected)

    @rule(task_id=task_ids)
    def cancel(self, task_id):
        assert self.scheduler.cancel(task_id) is self.model.cancel(task_id)

    @invariant()
    def same_size(self):
        if hasattr(self, "model"):
            assert len(self.scheduler) == len(self.model)


TestSchedulerMachine = pytest.mark.weight(4)(SchedulerMachine.TestCase)
TestSchedulerMachine.settings = settings(max_examples=40, stateful_step_count=30)


# ---------------------------------------------------------------- performance


class FastModel:
    """A second oracle for the big batch: heap with lazy deletion (written for speed, checked by the tests above)."""

    def __init__(self):
        self.heap = []
        self.entry_of = {}
        self.counter = itertools.count()

    def add_task(self, priority, task_id, data=None):
        entry = [priority, next(self.counter), task_id, True]
        old = self.entry_of.get(task_id)
        if old is not None:
            old[3] = False
        self.entry_of[task_id] = entry
        heapq.heappush(self.heap, entry)

    def _clean(self):
        while self.heap and not self.heap[0][3]:
            heapq.heappop(self.heap)

    def peek(self):
        self._clean()
        if not self.heap:
            return None
        priority, _, task_id, _ = self.heap[0]
        return (priority, task_id, None)

    def get_next_task(self):
        self._clean()
        if not self.heap:
            return None
        priority, _, task_id, _ = heapq.heappop(self.heap)
        del self.entry_of[task_id]
        return (priority, task_id, None)

    def cancel(self, task_id):
        entry = self.entry_of.pop(task_id, None)
        if entry is None:
            return False
        entry[3] = False
        return True

    def __len__(self):
        return len(self.entry_of)


def perf_operations(total=100_000, initial=50_000, seed=9):
    """50,000 adds, then a mix keeping about 50,000 tasks live: adds, re-adds, cancels, pops, peeks."""
    rng = random.Random(seed)
    ops = [["add_task", [rng.randrange(1000), f"t{n}"]] for n in range(initial)]
    next_id = initial
    while len(ops) < total:
        roll = rng.random()
        if roll < 0.25:
            ops.append(["add_task", [rng.randrange(1000), f"t{next_id}"]])
            next_id += 1
        elif roll < 0.45:
            ops.append(["add_task", [rng.randrange(1000), f"t{rng.randrange(next_id)}"]])
        elif roll < 0.60:
            ops.append(["cancel", [f"t{rng.randrange(next_id)}"]])
        elif roll < 0.88:
            ops.append(["get_next_task", []])
        elif roll < 0.97:
            ops.append(["peek", []])
        else:
            ops.append(["__len__", []])
    return ops


@pytest.mark.weight(3)
def test_hundred_thousand_operations_in_logarithmic_time(submission):
    initial = 50_000
    ops = perf_operations(initial=initial)
    model = FastModel()
    expected = [getattr(model, name)(*args) for name, args in ops]
    s = submission.TaskScheduler()
    # The 50,000 adds that fill the scheduler, then the 50,000 mixed operations under the tight bound.
    assert run_batch(s, ops[:initial], bound_s=30.0) == expected[:initial]
    assert run_batch(s, ops[initial:], bound_s=15.0) == expected[initial:]


def mostly_cancelled_operations(seed=11):
    """50,000 adds, 45,000 cancels, then a mix that starts with 5,000 live tasks (about 16,000 at the end)."""
    rng = random.Random(seed)
    setup = [["add_task", [rng.randrange(1000), f"t{n}"]] for n in range(50_000)]
    doomed = [f"t{n}" for n in range(50_000)]
    rng.shuffle(doomed)
    setup += [["cancel", [task_id]] for task_id in doomed[:45_000]]
    next_id = 50_000
    mixed = []
    while len(mixed) < 50_000:
        roll = rng.random()
        if roll < 0.30:
            mixed.append(["add_task", [rng.randrange(1000), f"t{next_id}"]])
            next_id += 1
        elif roll < 0.45:
            mixed.append(["add_task", [rng.randrange(1000), f"t{rng.randrange(next_id)}"]])
        elif roll < 0.60:
            mixed.append(["cancel", [f"t{rng.randrange(next_id)}"]])
        elif roll < 0.75:
            mixed.append(["get_next_task", []])
        elif roll < 0.97:
            mixed.append(["peek", []])
        else:
            mixed.append(["__len__", []])
    return setup, mixed


@pytest.mark.weight(2)
def test_operations_stay_logarithmic_after_most_tasks_are_cancelled(submission):
    setup, mixed = mostly_cancelled_operations()
    model = FastModel()
    expected = [getattr(model, name)(*args) for name, args in setup + mixed]
    s = submission.TaskScheduler()
    adds, cancels = setup[:50_000], setup[50_000:]
    assert run_batch(s, adds, bound_s=30.0) == expected[:50_000]
    # 45,000 cancels, then the 50,000 mixed operations, each under a bound that linear work per operation misses
    assert run_batch(s, cancels, bound_s=10.0) == expected[50_000 : len(setup)]
    assert len(s) == 5_000
    assert run_batch(s, mixed, bound_s=15.0) == expected[len(setup) :]
