"""The prompt's example. The hidden suite counts fetch() calls, callback calls and rows pulled."""


class Fetch:
    def __init__(self, rows):
        self._rows = list(rows)
        self._calls = 0

    def __call__(self):
        self._calls += 1
        return list(self._rows)


def test_prompt_example(submission, driver):
    fetch = Fetch([5, 1, 4, 2, 3])
    q = submission.LazyQuery(fetch)
    big = q.filter(lambda n: n > 2).map(lambda n: n * 10)
    assert fetch._calls == 0
    assert list(big) == [50, 40, 30]
    assert fetch._calls == 1
    assert big[-1] == 30
    assert driver.take_slice(big, None, None, 2) == [50, 30]  # big[::2], built in the worker
    assert fetch._calls == 1
    assert len(q) == 5
    assert fetch._calls == 2
    assert q.count() == 5
    assert fetch._calls == 2
    it = q.iterator()
    assert fetch._calls == 2
    assert next(it) == 5
    assert fetch._calls == 3
    assert big.filter(lambda n: n < 45).count() == 2
    assert fetch._calls == 4


def test_bool_evaluates_and_caches(submission):
    fetch = Fetch([])
    q = submission.LazyQuery(fetch)
    assert bool(q) is False
    assert len(q) == 0
    assert fetch._calls == 1
