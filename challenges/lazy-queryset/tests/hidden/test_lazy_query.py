"""Hidden suite for lazy-queryset.

`fetch`, the row sources, `pred` and `fn` are harness objects passed by
reference: the worker calls them back, and every call and every row pulled is
counted here, out of the submission's reach. Each callable is created fresh for
the call it is passed to.
"""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from grader.testing import current_submission, is_remote, remote_mro


class Source:
    """A one-shot iterable of rows that counts how many rows were pulled from it."""

    def __init__(self, rows, fail_after=None):
        self._rows = list(rows)
        self._position = 0
        self._fail_after = fail_after
        self._exhausted = False

    def __iter__(self):
        return self

    def __next__(self):
        if self._fail_after is not None and self._position == self._fail_after:
            raise RuntimeError("the database went away")
        if self._position == len(self._rows):
            self._exhausted = True
            raise StopIteration
        row = self._rows[self._position]
        self._position += 1
        return row


class Fetch:
    """The `fetch` callable: counts its calls and returns the current rows of its table.

    With `stream=True` it returns a harness-side `Source` (rows pulled one by one
    over the channel), otherwise a plain list (copied to the worker).
    """

    def __init__(self, rows, stream=False):
        self._table = list(rows)
        self._stream = stream
        self._calls = 0
        self._sources = []
        self._fail_next = None

    def __call__(self):
        self._calls += 1
        if self._fail_next is not None:
            error, self._fail_next = self._fail_next, None
            raise error
        if self._stream:
            source = Source(self._table)
            self._sources.append(source)
            return source
        return list(self._table)

    # Nothing public: the worker may read public attributes of what it is handed.
    def _set_rows(self, rows):
        self._table = list(rows)

    def _pulled(self):
        """Rows pulled from the most recent source."""
        return self._sources[-1]._position

    def _exhausted(self):
        return self._sources[-1]._exhausted


class Counted:
    """A `pred` or `fn` callback that counts its calls and records its arguments."""

    def __init__(self, function):
        self._function = function
        self._seen = []

    def __call__(self, row):
        self._seen.append(row)
        return self._function(row)

    def _calls(self):
        return len(self._seen)


def counted(function):
    return Counted(function)


class Row:
    """A row object that cannot cross by value: identity must survive the round trip."""

    def __init__(self, number):
        self.number = number


def type_names(value):
    if is_remote(value):
        return remote_mro(value)
    return tuple(klass.__qualname__ for klass in type(value).__mro__)


def sliced(driver, query, start=None, stop=None, step=None):
    """query[start:stop:step], evaluated in the worker (a slice object cannot cross the channel)."""
    return driver.take_slice(query, start, stop, step)


def make(submission, rows, stream=False):
    fetch = Fetch(rows, stream=stream)
    return submission.LazyQuery(fetch), fetch


ROWS = [5, 1, 4, 2, 3]


# ---------------------------------------------------------------- building


@pytest.mark.weight(2)
def test_building_calls_nothing(submission):
    query, fetch = make(submission, ROWS)
    pred, fn, pred2 = counted(lambda n: n > 2), counted(lambda n: n * 10), counted(lambda n: True)
    derived = query.filter(pred).map(fn).filter(pred2)
    assert fetch._calls == 0
    assert pred._calls() == fn._calls() == pred2._calls() == 0
    assert derived is not query


def test_filter_and_map_return_new_queries_and_leave_the_original_alone(submission):
    query, fetch = make(submission, ROWS)
    kept = query.filter(counted(lambda n: n > 2))
    mapped = query.map(counted(lambda n: -n))
    for derived in (kept, mapped):
        assert derived is not query
        assert "LazyQuery" in type_names(derived)
    assert list(query) == ROWS
    assert list(kept) == [5, 4, 3]
    assert list(mapped) == [-5, -1, -4, -2, -3]
    assert list(query) == ROWS


# ---------------------------------------------------------------- evaluation


EVALUATIONS = {
    "list": lambda q, driver: list(q),
    "for": lambda q, driver: [row for row in q],
    "next-iter": lambda q, driver: next(iter(q)),
    "len": lambda q, driver: len(q),
    "bool": lambda q, driver: bool(q),
    "index": lambda q, driver: q[0],
    "negative-index": lambda q, driver: q[-1],
    "slice": lambda q, driver: sliced(driver, q, 1, 3),
}


@pytest.mark.weight(2)
@pytest.mark.parametrize("how", list(EVALUATIONS))
def test_first_evaluation_fetches_once_and_reads_everything(submission, driver, how):
    query, fetch = make(submission, ROWS, stream=True)
    EVALUATIONS[how](query, driver)
    assert fetch._calls == 1
    assert fetch._pulled() == len(ROWS), "the first evaluation must read every row"
    assert fetch._exhausted()
    # Every later evaluation, of any kind, is served from the cache.
    for again in EVALUATIONS.values():
        again(query, driver)
    assert list(query) == ROWS
    assert fetch._calls == 1


def test_results_of_each_kind_of_evaluation(submission, driver):
    query, fetch = make(submission, ROWS)
    assert list(query) == ROWS
    assert [row for row in query] == ROWS
    assert len(query) == 5
    assert bool(query) is True
    assert query[0] == 5 and query[-1] == 3
    assert sliced(driver, query, 1, 3) == [1, 4]
    assert fetch._calls == 1


@pytest.mark.weight(2)
def test_cache_ignores_later_changes_of_the_source(submission):
    query, fetch = make(submission, [1, 2, 3])
    assert list(query) == [1, 2, 3]
    fetch._set_rows([7, 8])
    assert list(query) == [1, 2, 3]
    assert len(query) == 3
    assert query[-1] == 3
    assert fetch._calls == 1


@pytest.mark.weight(2)
def test_callbacks_run_once_per_row_on_the_first_evaluation_only(submission, driver):
    rows = list(range(10))
    query, fetch = make(submission, rows)
    pred, fn = counted(lambda n: n % 3 == 0), counted(lambda n: n + 100)
    derived = query.filter(pred).map(fn)
    assert len(derived) == 4
    assert pred._calls() == 10
    assert fn._calls() == 4
    assert list(derived) == [100, 103, 106, 109]
    assert bool(derived) and derived[2] == 106 and sliced(driver, derived, step=-1) == [109, 106, 103, 100]
    assert derived.count() == 4
    assert pred._calls() == 10 and fn._calls() == 4
    assert fetch._calls == 1


def test_empty_results(submission, driver):
    query, fetch = make(submission, [])
    assert bool(query) is False
    assert len(query) == 0
    assert list(query) == []
    assert sliced(driver, query) == []
    with pytest.raises(IndexError):
        query[0]
    assert fetch._calls == 1
    none_kept, fetch2 = make(submission, ROWS)
    nothing = none_kept.filter(counted(lambda n: False))
    assert bool(nothing) is False
    assert len(nothing) == 0
    assert fetch2._calls == 1


def test_bool_is_true_when_a_row_survives(submission):
    query, fetch = make(submission, [0, 0, 9])
    assert bool(query.filter(counted(lambda n: n))) is True
    assert bool(query) is True  # rows are kept even when falsy
    assert len(query) == 3


def test_filter_keeps_rows_by_truthiness_of_the_predicate(submission):
    query, _ = make(submission, [3, 0, 2, 5, 6])
    assert list(query.filter(counted(lambda n: n % 3))) == [2, 5]
    assert list(query.filter(counted(lambda n: [n] if n > 2 else []))) == [3, 5, 6]
    assert list(query.filter(counted(lambda n: None))) == []


# ---------------------------------------------------------------- order of steps


@pytest.mark.weight(2)
def test_steps_apply_in_the_order_they_were_chained(submission):
    query, _ = make(submission, [1, 2, 3, 4, 5])
    pred = counted(lambda n: n > 25)
    assert list(query.map(counted(lambda n: n * 10)).filter(pred)) == [30, 40, 50]
    assert pred._seen == [10, 20, 30, 40, 50]
    fn = counted(lambda n: n * 10)
    assert list(query.filter(counted(lambda n: n > 2)).map(fn)) == [30, 40, 50]
    assert fn._seen == [3, 4, 5]
    assert list(query.filter(counted(lambda n: n > 25)).map(counted(lambda n: n * 10))) == []


def test_a_long_chain(submission):
    query, fetch = make(submission, range(20))
    chained = (
        query.map(counted(lambda n: n + 1))
        .filter(counted(lambda n: n % 2 == 0))
        .map(counted(lambda n: n * n))
        .filter(counted(lambda n: n > 50))
        .map(counted(lambda n: -n))
    )
    expected = [-(n * n) for n in (m + 1 for m in range(20)) if n % 2 == 0 and n * n > 50]
    assert list(chained) == expected
    assert fetch._calls == 1


def test_map_can_change_the_type_of_rows(submission):
    query, _ = make(submission, ["a", "bb", "ccc"])
    assert list(query.map(counted(len)).filter(counted(lambda n: n > 1))) == [2, 3]
    assert list(query.map(counted(lambda s: (s, len(s))))) == [("a", 1), ("bb", 2), ("ccc", 3)]


# ---------------------------------------------------------------- caches are per query


@pytest.mark.weight(2)
def test_a_derived_query_fetches_even_when_its_parent_is_cached(submission):
    query, fetch = make(submission, [1, 2, 3])
    assert list(query) == [1, 2, 3]
    fetch._set_rows([1, 2, 3, 4])
    derived = query.filter(counted(lambda n: n >= 2))
    assert list(derived) == [2, 3, 4]
    assert fetch._calls == 2
    assert list(query) == [1, 2, 3]  # the parent keeps its own cache
    assert fetch._calls == 2


@pytest.mark.weight(2)
def test_evaluating_a_derived_query_leaves_the_parent_unevaluated(submission):
    query, fetch = make(submission, [1, 2, 3])
    derived = query.map(counted(lambda n: n * 2))
    assert list(derived) == [2, 4, 6]
    assert fetch._calls == 1
    fetch._set_rows([9])
    assert list(query) == [9]
    assert fetch._calls == 2
    assert list(derived) == [2, 4, 6]
    assert fetch._calls == 2


def test_sibling_queries_do_not_share_caches(submission):
    query, fetch = make(submission, [1, 2, 3, 4])
    evens = query.filter(counted(lambda n: n % 2 == 0))
    odds = query.filter(counted(lambda n: n % 2 == 1))
    assert list(evens) == [2, 4]
    fetch._set_rows([5, 6, 7])
    assert list(odds) == [5, 7]
    assert list(evens) == [2, 4]
    grandchild = evens.map(counted(lambda n: n + 1))
    assert list(grandchild) == [7]
    assert fetch._calls == 3


# ---------------------------------------------------------------- rows are returned as they are


def test_rows_are_the_same_objects(submission, driver):
    rows = [Row(n) for n in range(4)]
    query, fetch = make(submission, rows)
    assert query[0] is rows[0]
    assert query[-1] is rows[3]
    assert all(got is want for got, want in zip(list(query), rows, strict=True))
    assert all(got is want for got, want in zip(sliced(driver, query, 1, 3), rows[1:3], strict=True))
    assert query.count() == 4
    assert fetch._calls == 1


# ---------------------------------------------------------------- errors


@pytest.mark.weight(2)
def test_a_failing_fetch_leaves_the_cache_empty(submission):
    query, fetch = make(submission, [1, 2])
    fetch._fail_next = ConnectionError("database unavailable")
    with pytest.raises(ConnectionError):
        len(query)
    assert list(query) == [1, 2]
    assert fetch._calls == 2
    assert len(query) == 2
    assert fetch._calls == 2


@pytest.mark.weight(2)
def test_a_failing_predicate_leaves_the_cache_empty(submission):
    query, fetch = make(submission, [1, 2, 3, 4])
    failures = iter([True])

    def flaky(n):
        if n == 3 and next(failures, False):
            raise ValueError("bad row")
        return True

    derived = query.filter(counted(flaky))
    with pytest.raises(ValueError):
        list(derived)
    assert list(derived) == [1, 2, 3, 4]
    assert len(derived) == 4
    assert fetch._calls == 2


def test_a_failing_source_leaves_the_cache_empty(submission):
    fetch = Fetch([1, 2, 3], stream=True)
    broken = Source([1, 2, 3], fail_after=2)
    calls = itertools.count()

    def first_broken_then_fine():
        return broken if next(calls) == 0 else fetch()

    query = submission.LazyQuery(first_broken_then_fine)
    with pytest.raises(RuntimeError):
        bool(query)
    assert query[2] == 3
    assert list(query) == [1, 2, 3]
    assert fetch._calls == 1


# ---------------------------------------------------------------- indexing and slicing


@pytest.mark.weight(2)
def test_indexing_has_list_semantics(submission):
    rows = [10, 20, 30, 40, 50, 60, 70]
    query, fetch = make(submission, rows)
    for index in range(-7, 7):
        assert query[index] == rows[index], index
    for index in [7, 8, 100, -8, -100]:
        with pytest.raises(IndexError):
            query[index]
    assert fetch._calls == 1


def test_an_index_out_of_range_still_fills_the_cache(submission):
    query, fetch = make(submission, [1, 2, 3], stream=True)
    with pytest.raises(IndexError):
        query[3]
    assert fetch._calls == 1
    assert fetch._exhausted()
    assert list(query) == [1, 2, 3]
    assert fetch._calls == 1


@pytest.mark.weight(2)
def test_slicing_has_list_semantics(submission, driver):
    rows = list(range(0, 80, 10))
    query, fetch = make(submission, rows)
    for start, stop, step in [
        (None, None, None), (2, None, None), (None, 3, None), (1, 6, 2), (-3, None, None),
        (None, -2, None), (None, None, -1), (6, 1, -2), (-1, -9, -3), (3, 3, None),
        (5, 2, None), (-100, 100, None), (100, None, None), (None, None, 3), (0, 8, 9),
    ]:  # fmt: skip
        got = sliced(driver, query, start, stop, step)
        assert type(got) is list, f"a slice must be a plain list, got {got!r}"
        assert got == rows[start:stop:step], (start, stop, step)
    with pytest.raises(ValueError):
        sliced(driver, query, step=0)
    assert fetch._calls == 1


def test_keys_of_other_types_raise_type_error(submission):
    query, _ = make(submission, [1, 2, 3])
    for key in ["0", 1.0, None, (0, 1)]:
        with pytest.raises(TypeError):
            query[key]


@pytest.mark.weight(2)
@settings(max_examples=60)
@given(
    rows=st.lists(st.integers(-5, 5), max_size=8),
    index=st.integers(-10, 10),
    start=st.none() | st.integers(-10, 10),
    stop=st.none() | st.integers(-10, 10),
    step=st.none() | st.integers(-4, 4).filter(bool),
)
def test_indexing_and_slicing_match_a_list(submission, driver, rows, index, start, stop, step):
    query, fetch = make(submission, rows)
    if -len(rows) <= index < len(rows):
        assert query[index] == rows[index]
    else:
        with pytest.raises(IndexError):
            query[index]
    assert sliced(driver, query, start, stop, step) == rows[start:stop:step]
    assert len(query) == len(rows)
    assert fetch._calls == 1


# ---------------------------------------------------------------- iterator()


@pytest.mark.weight(2)
def test_iterator_fetches_at_the_first_next(submission):
    query, fetch = make(submission, ROWS)
    iterator = query.iterator()
    assert fetch._calls == 0
    assert next(iterator) == 5
    assert fetch._calls == 1
    assert list(iterator) == [1, 4, 2, 3]  # iter() of the iterator continues it
    assert fetch._calls == 1
    with pytest.raises(StopIteration):
        next(iterator)


@pytest.mark.weight(4)
def test_iterator_streams_without_reading_ahead(submission):
    query, fetch = make(submission, range(10), stream=True)
    pred = counted(lambda n: n >= 4 and n % 2 == 0)
    iterator = query.filter(pred).iterator()
    assert next(iterator) == 4
    assert fetch._pulled() == 5
    assert pred._calls() == 5
    assert next(iterator) == 6
    assert fetch._pulled() == 7
    assert next(iterator) == 8
    assert fetch._pulled() == 9
    assert not fetch._exhausted()
    with pytest.raises(StopIteration):
        next(iterator)
    assert fetch._exhausted()
    assert fetch._calls == 1


@pytest.mark.weight(2)
def test_iterator_never_fills_the_cache(submission):
    query, fetch = make(submission, [1, 2, 3])
    assert list(query.iterator()) == [1, 2, 3]
    assert fetch._calls == 1
    fetch._set_rows([4, 5])
    assert list(query) == [4, 5]  # still unevaluated after the full iterator() pass
    assert fetch._calls == 2


@pytest.mark.weight(2)
def test_iterator_fetches_afresh_even_when_the_cache_is_filled(submission):
    query, fetch = make(submission, [1, 2, 3])
    assert len(query) == 3
    fetch._set_rows([7, 8])
    assert list(query.iterator()) == [7, 8]
    assert fetch._calls == 2
    assert list(query) == [1, 2, 3]
    assert fetch._calls == 2


def test_iterators_are_independent(submission):
    query, fetch = make(submission, [1, 2, 3])
    first, second = query.iterator(), query.iterator()
    assert next(first) == 1
    assert next(second) == 1
    assert next(first) == 2
    assert list(second) == [2, 3]
    assert list(first) == [3]
    assert fetch._calls == 2


def test_iterator_applies_the_steps(submission):
    query, fetch = make(submission, [1, 2, 3, 4, 5])
    chained = query.map(counted(lambda n: n * 10)).filter(counted(lambda n: n > 25))
    assert list(chained.iterator()) == [30, 40, 50]
    assert list(query.filter(counted(lambda n: n > 9)).iterator()) == []
    empty, fetch2 = make(submission, [])
    iterator = empty.iterator()
    with pytest.raises(StopIteration):
        next(iterator)
    assert fetch2._calls == 1


# ---------------------------------------------------------------- count()


@pytest.mark.weight(2)
def test_count_uses_a_filled_cache(submission):
    query, fetch = make(submission, ROWS)
    assert list(query) == ROWS
    fetch._set_rows([])
    assert query.count() == 5
    assert fetch._calls == 1


@pytest.mark.weight(2)
def test_count_without_a_cache_fetches_and_does_not_cache(submission):
    query, fetch = make(submission, ROWS, stream=True)
    assert query.count() == 5
    assert fetch._calls == 1
    assert fetch._exhausted()
    assert query.count() == 5
    assert fetch._calls == 2
    fetch._set_rows([1, 2])
    assert len(query) == 2  # the counts did not fill the cache
    assert fetch._calls == 3
    assert query.count() == 2
    assert fetch._calls == 3


def test_count_applies_the_steps(submission):
    query, fetch = make(submission, range(10))
    derived = query.map(counted(lambda n: n * 3)).filter(counted(lambda n: n % 2 == 0))
    assert derived.count() == 5
    assert query.filter(counted(lambda n: n > 100)).count() == 0
    assert fetch._calls == 2


def test_count_of_a_derived_query_ignores_the_parents_cache(submission):
    query, fetch = make(submission, [1, 2, 3])
    assert len(query) == 3
    fetch._set_rows([1, 2, 3, 4, 5])
    assert query.filter(counted(lambda n: n > 1)).count() == 4
    assert query.count() == 3
    assert fetch._calls == 2


# ---------------------------------------------------------------- state machine


PREDICATES = {
    "even": lambda n: n % 2 == 0,
    "positive": lambda n: n > 0,
    "small": lambda n: -3 <= n <= 3,
    "not-five": lambda n: n != 5,
}
FUNCTIONS = {
    "double": lambda n: n * 2,
    "minus-one": lambda n: n - 1,
    "negate": lambda n: -n,
    "halve": lambda n: n // 2,
}
table_rows = st.lists(st.integers(-6, 6), max_size=6)


class Model:
    """What one query should hold: its root table, its steps, its cache."""

    def __init__(self, root, steps):
        self.root = root
        self.steps = steps
        self.cache = None

    def run(self, rows):
        out = []
        for row in rows:
            for kind, name in self.steps:
                if kind == "filter":
                    if not PREDICATES[name](row):
                        break
                else:
                    row = FUNCTIONS[name](row)
            else:
                out.append(row)
        return out


class LazyQueryMachine(RuleBasedStateMachine):
    """Random queries over a few tables whose contents change, checked against a model."""

    queries = Bundle("queries")

    def __init__(self):
        super().__init__()
        self.module = current_submission()
        self.fetches = []  # root index -> Fetch
        self.expected_calls = []  # root index -> expected fetch() calls
        self.remote = []  # query index -> remote LazyQuery
        self.models = []  # query index -> Model

    def add(self, remote, model):
        self.remote.append(remote)
        self.models.append(model)
        return len(self.remote) - 1

    def fresh_rows(self, model):
        self.expected_calls[model.root] += 1
        return model.run(self.fetches[model.root]._table)

    def rows(self, index):
        model = self.models[index]
        if model.cache is None:
            model.cache = self.fresh_rows(model)
        return model.cache

    @rule(target=queries, rows=table_rows)
    def new_table(self, rows):
        fetch = Fetch(rows)
        self.fetches.append(fetch)
        self.expected_calls.append(0)
        return self.add(self.module.LazyQuery(fetch), Model(len(self.fetches) - 1, ()))

    @rule(query=queries, rows=table_rows)
    def change_table(self, query, rows):
        self.fetches[self.models[query].root]._set_rows(rows)

    @rule(target=queries, query=queries, name=st.sampled_from(sorted(PREDICATES)))
    def filter(self, query, name):
        model = self.models[query]
        derived = self.remote[query].filter(Counted(PREDICATES[name]))
        return self.add(derived, Model(model.root, model.steps + (("filter", name),)))

    @rule(target=queries, query=queries, name=st.sampled_from(sorted(FUNCTIONS)))
    def map(self, query, name):
        model = self.models[query]
        derived = self.remote[query].map(Counted(FUNCTIONS[name]))
        return self.add(derived, Model(model.root, model.steps + (("map", name),)))

    @rule(query=queries)
    def evaluate_list(self, query):
        assert list(self.remote[query]) == self.rows(query)

    @rule(query=queries)
    def evaluate_len(self, query):
        assert len(self.remote[query]) == len(self.rows(query))

    @rule(query=queries)
    def evaluate_bool(self, query):
        assert bool(self.remote[query]) is bool(self.rows(query))

    @rule(query=queries, index=st.integers(-7, 6))
    def evaluate_index(self, query, index):
        remote = self.remote[query]
        rows = self.rows(query)
        if -len(rows) <= index < len(rows):
            assert remote[index] == rows[index]
        else:
            with pytest.raises(IndexError):
                remote[index]

    @rule(query=queries)
    def count(self, query):
        model = self.models[query]
        expected = len(model.cache) if model.cache is not None else len(self.fresh_rows(model))
        assert self.remote[query].count() == expected

    @rule(query=queries, take=st.integers(0, 3))
    def iterate_part(self, query, take):
        model = self.models[query]
        iterator = self.remote[query].iterator()
        got = [row for _, row in zip(range(take), iterator)]
        if take:
            expected = self.fresh_rows(model)
            assert got == expected[:take]

    @invariant()
    def fetch_calls_match(self):
        assert [fetch._calls for fetch in self.fetches] == self.expected_calls


TestLazyQueryMachine = pytest.mark.weight(4)(LazyQueryMachine.TestCase)
TestLazyQueryMachine.settings = settings(max_examples=30, stateful_step_count=25)


# ---------------------------------------------------------------- random chains


chain_steps = st.lists(
    st.one_of(
        st.tuples(st.just("filter"), st.sampled_from(sorted(PREDICATES))),
        st.tuples(st.just("map"), st.sampled_from(sorted(FUNCTIONS))),
    ),
    max_size=5,
)


def chain(query, steps):
    """`query`, then each query derived from the previous one by the next step (fresh counted callbacks)."""
    queries = [query]
    for kind, name in steps:
        if kind == "filter":
            queries.append(queries[-1].filter(Counted(PREDICATES[name])))
        else:
            queries.append(queries[-1].map(Counted(FUNCTIONS[name])))
    return queries


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(rows=table_rows, steps=chain_steps)
def test_every_query_of_a_random_chain_applies_its_steps_in_order(submission, rows, steps):
    query, fetch = make(submission, rows)
    queries = chain(query, steps)
    # the longest chain first, then each shorter one: every query evaluates on its own
    for depth in reversed(range(len(queries))):
        expected = Model(0, tuple(steps[:depth])).run(rows)
        assert list(queries[depth]) == expected
        assert list(queries[depth].iterator()) == expected
        assert queries[depth].count() == len(expected)
    assert fetch._calls == 2 * len(queries)


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(rows=table_rows, steps=chain_steps)
def test_iterator_of_a_random_chain_pulls_rows_only_until_one_survives(submission, rows, steps):
    query, fetch = make(submission, rows, stream=True)
    iterator = chain(query, steps)[-1].iterator()
    assert fetch._calls == 0
    model = Model(0, tuple(steps))
    for position, row in enumerate(rows):
        survivors = model.run([row])
        if survivors:
            assert next(iterator) == survivors[0]
            assert fetch._pulled() == position + 1
            assert not fetch._exhausted()
    with pytest.raises(StopIteration):
        next(iterator)
    assert fetch._exhausted()
    assert fetch._calls == 1


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(
    rows=st.lists(st.integers(-6, 6), min_size=1, max_size=6),
    steps=chain_steps,
    failure=st.sampled_from(["fetch", "source", "pred", "fn"]),
    at=st.integers(0, 5),
    how=st.sampled_from(["list", "next-iter", "len", "bool", "index"]),
)
def test_an_error_anywhere_in_an_evaluation_leaves_the_cache_empty(submission, driver, rows, steps, failure, at, how):
    at %= len(rows)
    fetch = Fetch(rows, stream=True)
    root = fetch
    if failure == "fetch":
        error = ConnectionError
        fetch._fail_next = ConnectionError("database unavailable")
    elif failure == "source":
        error = RuntimeError
        broken = Source(rows, fail_after=at)
        calls = itertools.count()

        def root():
            return broken if next(calls) == 0 else fetch()

    else:
        error = ValueError
    query = submission.LazyQuery(root)
    if failure in ("pred", "fn"):
        seen = itertools.count()

        def flaky(row):  # fails once, on the row at position `at`
            if next(seen) == at:
                raise ValueError("bad row")
            return True if failure == "pred" else row

        query = query.filter(Counted(flaky)) if failure == "pred" else query.map(Counted(flaky))
    derived = chain(query, steps)[-1]
    with pytest.raises(error):
        EVALUATIONS[how](derived, driver)
    expected = Model(0, tuple(steps)).run(rows)
    assert list(derived) == expected
    assert len(derived) == len(expected)
    assert fetch._calls == (1 if failure == "source" else 2)
