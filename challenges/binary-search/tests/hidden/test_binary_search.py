"""Hidden suite for binary-search.

The sequence is a harness-side object passed by reference: every `len()` and
every item access of the submission is a callback counted here, out of the
submission's reach, and iteration, slices and out-of-range indexes are refused
and recorded.
"""

import bisect
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

HUGE = 10**18


def budget(n):
    """B(n) = ceil(log2(n)) + 2 item accesses for n >= 1, none for an empty sequence."""
    return 0 if n == 0 else (n - 1).bit_length() + 2


class Refused(TypeError):
    """What the probe sequence raises for an operation the prompt forbids."""


class ProbeSequence:
    """A read-only sequence that counts `len()` calls and item accesses.

    Items are computed on demand by `item(i)`, so a sequence can be far larger
    than memory. Nothing here is public: the worker can only call the dunder
    methods the channel forwards (len, getitem, iter, contains, bool).
    """

    def __init__(self, n, item, cap=None):
        self._n = n
        self._item = item
        self._len_calls = 0
        self._accesses = 0
        self._refused = []
        # Stop a runaway (linear) search early; the exact bound is asserted by the test.
        self._cap = cap if cap is not None else 4 * budget(n) + 16

    def __len__(self):
        self._len_calls += 1
        return self._n

    def __getitem__(self, index):
        if type(index) is not int:
            self._refused.append(f"index of type {type(index).__name__}: {index!r}")
            raise Refused(f"indexes must be ints, got {type(index).__name__}")
        if not 0 <= index < self._n:
            self._refused.append(f"index {index} outside 0..{self._n - 1}")
            raise IndexError(f"index {index} out of range (negative indexes are refused)")
        self._accesses += 1
        if self._accesses > self._cap:
            self._refused.append(f"more than {self._cap} item accesses")
            raise RuntimeError(f"more than {self._cap} item accesses: stopped")
        return self._item(index)

    def __iter__(self):
        self._refused.append("iteration")
        raise Refused("this sequence cannot be iterated")

    def __contains__(self, value):
        self._refused.append("membership test")
        raise Refused("`in` is not supported")

    def __reversed__(self):
        self._refused.append("reversed()")
        raise Refused("reversed() is not supported")


class Key:
    """A fresh key callable for each call (a harness object the worker calls back)."""

    def __init__(self, function):
        self._function = function

    def __call__(self, item):
        return self._function(item)


def stored(items):
    return ProbeSequence(len(items), items.__getitem__)


class Plain:
    """An uncounted view of a virtual sequence, for the oracle."""

    def __init__(self, n, item):
        self.n = n
        self.item = item

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return self.item(index)


def oracle_search(n, item, target, key=None):
    key = key or (lambda x: x)
    i = bisect.bisect_left(Plain(n, item), target, 0, n, key=key)
    return i if i < n and key(item(i)) == target else None


def oracle_range(n, item, low, high, key=None):
    key = key or (lambda x: x)
    i = bisect.bisect_left(Plain(n, item), low, 0, n, key=key)
    if high <= low:
        return (i, i)
    return (i, bisect.bisect_left(Plain(n, item), high, 0, n, key=key))


def check_budget(seq, factor=1):
    assert seq._refused == [], f"forbidden use of the sequence: {seq._refused}"
    assert seq._len_calls == 1, f"len(seq) called {seq._len_calls} times, expected exactly once"
    limit = factor * budget(seq._n)
    assert seq._accesses <= limit, f"{seq._accesses} item accesses for n={seq._n}, at most {limit}"


def search(submission, seq, target, **kwargs):
    result = submission.binary_search(seq, target, **kwargs)
    check_budget(seq)
    assert result is None or type(result) is int, f"returned {result!r}, expected an int or None"
    return result


def span(submission, seq, low, high, **kwargs):
    result = submission.bisect_range(seq, low, high, **kwargs)
    check_budget(seq, factor=2)
    assert type(result) is tuple and len(result) == 2, f"returned {result!r}, expected a 2-tuple"
    assert all(type(v) is int for v in result), f"returned {result!r}, expected two ints"
    return result


# ---------------------------------------------------------------- binary_search: results


def test_prompt_examples(submission):
    rows = [3, 5, 5, 5, 8, 13]
    assert search(submission, stored(rows), 5) == 1
    assert search(submission, stored(rows), 4) is None
    words = ["a", "to", "be", "tea", "cake"]
    assert search(submission, stored(words), 3, key=Key(len)) == 3


@pytest.mark.weight(2)
def test_every_element_of_a_distinct_list_is_found(submission):
    rows = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31]
    for index, value in enumerate(rows):
        assert search(submission, stored(rows), value) == index


def test_absent_targets_return_none(submission):
    rows = [10, 20, 20, 30, 40]
    for target in [-5, 9, 15, 25, 35, 41, 1000]:
        assert search(submission, stored(rows), target) is None


@pytest.mark.weight(2)
def test_leftmost_of_duplicates(submission):
    rows = [1, 2, 2, 2, 2, 2, 2, 3, 4, 4]
    assert search(submission, stored(rows), 2) == 1
    assert search(submission, stored(rows), 4) == 8
    assert search(submission, stored([7] * 9), 7) == 0
    assert search(submission, stored([0] + [5] * 15), 5) == 1


def test_first_and_last_elements(submission):
    rows = list(range(0, 40, 3))
    assert search(submission, stored(rows), rows[0]) == 0
    assert search(submission, stored(rows), rows[-1]) == len(rows) - 1
    assert search(submission, stored([1, 2]), 2) == 1
    assert search(submission, stored([1, 2, 3]), 3) == 2


def test_empty_sequence_returns_none_without_accesses(submission):
    seq = stored([])
    assert search(submission, seq, 1) is None
    assert seq._accesses == 0


def test_single_element(submission):
    assert search(submission, stored([4]), 4) == 0
    assert search(submission, stored([4]), 3) is None
    assert search(submission, stored([4]), 5) is None


def test_strings_and_tuples(submission):
    names = ["Ada", "Bob", "Eve", "eve", "zoe", "Émile"]  # code-point order
    for index, name in enumerate(names):
        assert search(submission, stored(names), name) == index
    assert search(submission, stored(names), "bob") is None
    pairs = [(1, "a"), (1, "b"), (2, "a"), (3, "c")]
    assert search(submission, stored(pairs), (2, "a")) == 2


def test_zero_and_negative_keys(submission):
    rows = [-9, -3, -3, 0, 0, 4]
    assert search(submission, stored(rows), -3) == 1
    assert search(submission, stored(rows), 0) == 3
    assert search(submission, stored(rows), -10) is None


# ---------------------------------------------------------------- binary_search: key


@pytest.mark.weight(2)
def test_key_is_applied_to_items_not_to_the_target(submission):
    words = ["a", "I", "to", "be", "tea", "cat", "dog", "cake", "moon", "stars"]
    assert search(submission, stored(words), 3, key=Key(len)) == 4
    assert search(submission, stored(words), 1, key=Key(len)) == 0
    assert search(submission, stored(words), 5, key=Key(len)) == 9
    assert search(submission, stored(words), 6, key=Key(len)) is None


def test_key_on_records(submission):
    rows = [(3, "x"), (1, "a"), (4, "q"), (1, "b"), (5, "z")]
    rows.sort(key=operator.itemgetter(1))  # sorted by the name, not by the number
    assert search(submission, stored(rows), "b", key=Key(operator.itemgetter(1))) == 1
    assert search(submission, stored(rows), "c", key=Key(operator.itemgetter(1))) is None


def test_explicit_key_none_uses_the_items(submission):
    rows = [1, 3, 3, 9]
    assert search(submission, stored(rows), 3, key=None) == 1


def test_decreasing_items_with_a_negating_key(submission):
    rows = [50, 40, 40, 30, 10]
    assert search(submission, stored(rows), -40, key=Key(operator.neg)) == 1
    assert search(submission, stored(rows), -10, key=Key(operator.neg)) == 4
    assert search(submission, stored(rows), 40, key=Key(operator.neg)) is None


# ---------------------------------------------------------------- binary_search: budget


@pytest.mark.weight(2)
def test_exactly_one_len_call_and_no_other_use(submission):
    for n in [0, 1, 2, 5, 64]:
        seq = ProbeSequence(n, lambda i: i)
        submission.binary_search(seq, n // 2)
        check_budget(seq)


@pytest.mark.weight(3)
def test_access_budget_for_every_size_and_position(submission):
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33]:
        rows = list(range(0, 2 * n, 2))
        for target in [-1, 0, rows[n // 2], rows[n // 2] + 1, rows[-1], rows[-1] + 1]:
            seq = stored(rows)
            assert search(submission, seq, target) == oracle_search(n, rows.__getitem__, target)


@pytest.mark.weight(3)
def test_a_million_virtual_items(submission):
    n = 10**6
    item = lambda i: 2 * i // 3  # noqa: E731 - runs of one and two equal items
    for target in [0, 1, 2, 3, 333_333, 444_444, 666_665, 666_666, 666_667, -1]:
        seq = ProbeSequence(n, item)
        assert search(submission, seq, target) == oracle_search(n, item, target)


@pytest.mark.weight(3)
def test_long_runs_of_equal_keys_stay_within_budget(submission):
    n = 10**6
    item = lambda i: i // 50_000  # noqa: E731 - twenty runs of fifty thousand
    for target in [0, 1, 7, 19, 20]:
        seq = ProbeSequence(n, item)
        assert search(submission, seq, target) == oracle_search(n, item, target)
    seq = ProbeSequence(n, lambda i: 42)
    assert search(submission, seq, 42) == 0


@pytest.mark.weight(3)
def test_sequence_of_ten_to_the_eighteen_items(submission):
    n = HUGE
    item = lambda i: i // 3  # noqa: E731
    for target in [0, 1, 12345678901234, n // 3 - 1, n // 3, n // 3 + 1, -4]:
        seq = ProbeSequence(n, item)
        assert search(submission, seq, target) == oracle_search(n, item, target)


# ---------------------------------------------------------------- binary_search: properties


sorted_lists = st.lists(st.integers(-6, 6), max_size=40).map(sorted)


@pytest.mark.weight(3)
@settings(max_examples=150)
@given(rows=sorted_lists, target=st.integers(-8, 8))
def test_matches_the_oracle(submission, rows, target):
    seq = stored(rows)
    assert search(submission, seq, target) == oracle_search(len(rows), rows.__getitem__, target)


@pytest.mark.weight(2)
@settings(max_examples=60)
@given(
    rows=st.lists(st.tuples(st.integers(0, 5), st.text("ab", max_size=2)), max_size=25),
    target=st.integers(-1, 6),
)
def test_matches_the_oracle_with_a_key(submission, rows, target):
    rows.sort(key=operator.itemgetter(0))
    seq = stored(rows)
    key = operator.itemgetter(0)
    expected = oracle_search(len(rows), rows.__getitem__, target, key=key)
    assert search(submission, seq, target, key=Key(key)) == expected


@pytest.mark.weight(2)
@settings(max_examples=60)
@given(n=st.integers(1, HUGE), step=st.integers(1, 10**6), target=st.integers(-2, HUGE))
def test_matches_the_oracle_on_huge_virtual_sequences(submission, n, step, target):
    item = lambda i: i // step  # noqa: E731
    seq = ProbeSequence(n, item)
    assert search(submission, seq, target) == oracle_search(n, item, target)


# ---------------------------------------------------------------- bisect_range


def test_range_prompt_examples(submission):
    rows = [3, 5, 5, 5, 8, 13]
    assert span(submission, stored(rows), 5, 13) == (1, 5)
    assert span(submission, stored(rows), 9, 2) == (5, 5)


@pytest.mark.weight(2)
def test_range_bounds_present_and_absent(submission):
    rows = [1, 2, 2, 3, 5, 8, 8, 13]
    assert span(submission, stored(rows), 2, 8) == (1, 5)
    assert span(submission, stored(rows), 2, 9) == (1, 7)
    assert span(submission, stored(rows), 4, 6) == (4, 5)
    assert span(submission, stored(rows), 0, 100) == (0, 8)
    assert span(submission, stored(rows), 14, 20) == (8, 8)
    assert span(submission, stored(rows), -5, 1) == (0, 0)
    assert span(submission, stored(rows), 6, 7) == (5, 5)


@pytest.mark.weight(2)
def test_range_high_not_above_low_is_empty_at_low(submission):
    rows = [1, 2, 2, 3, 5, 8, 8, 13]
    assert span(submission, stored(rows), 3, 3) == (3, 3)
    assert span(submission, stored(rows), 8, 2) == (5, 5)
    assert span(submission, stored(rows), 100, -100) == (8, 8)
    assert span(submission, stored(rows), 0, -1) == (0, 0)


def test_range_on_empty_sequence(submission):
    seq = stored([])
    assert span(submission, seq, 1, 5) == (0, 0)
    assert seq._accesses == 0
    seq = stored([])
    assert span(submission, seq, 5, 1) == (0, 0)
    assert seq._accesses == 0


def test_range_with_a_key(submission):
    words = ["a", "I", "to", "be", "tea", "cat", "dog", "cake", "moon", "stars"]
    assert span(submission, stored(words), 2, 4, key=Key(len)) == (2, 7)
    assert span(submission, stored(words), 4, 2, key=Key(len)) == (7, 7)
    assert span(submission, stored(words), 6, 9, key=Key(len)) == (10, 10)


@pytest.mark.weight(3)
def test_range_budget_on_huge_sequences(submission):
    for n, step, low, high in [
        (10**6, 50_000, 3, 7),
        (10**6, 1, 999_999, 10**6),
        (HUGE, 7, 10**12, 10**15),
        (HUGE, 10**9, 0, HUGE),
        (HUGE, 1, HUGE - 1, HUGE),
    ]:
        item = lambda i, step=step: i // step  # noqa: E731
        seq = ProbeSequence(n, item)
        assert span(submission, seq, low, high) == oracle_range(n, item, low, high)


@pytest.mark.weight(3)
@settings(max_examples=120)
@given(rows=sorted_lists, low=st.integers(-8, 8), high=st.integers(-8, 8))
def test_range_matches_the_oracle(submission, rows, low, high):
    seq = stored(rows)
    assert span(submission, seq, low, high) == oracle_range(len(rows), rows.__getitem__, low, high)


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(
    rows=st.lists(st.text("abc", max_size=3), max_size=25).map(sorted),
    low=st.text("abc", max_size=3),
    high=st.text("abc", max_size=3),
)
def test_range_matches_the_oracle_on_strings(submission, rows, low, high):
    seq = stored(rows)
    assert span(submission, seq, low, high) == oracle_range(len(rows), rows.__getitem__, low, high)
