"""A lazy query with a result cache: see prompt.md for the rules the grader checks."""


class LazyQuery:
    def __init__(self, fetch) -> None:
        """Remember `fetch` (a no-argument function returning an iterable of rows); call nothing."""
        raise NotImplementedError

    def filter(self, pred) -> "LazyQuery":
        """A new query keeping the rows for which pred(row) is truthy; calls nothing."""
        raise NotImplementedError

    def map(self, fn) -> "LazyQuery":
        """A new query whose rows are fn(row); calls nothing."""
        raise NotImplementedError

    def __iter__(self):
        """Iterate over the cached rows (evaluating once: one fetch(), read to the end)."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of rows (evaluates)."""
        raise NotImplementedError

    def __bool__(self) -> bool:
        """True when there is at least one row (evaluates fully)."""
        raise NotImplementedError

    def __getitem__(self, key):
        """q[i] -> a row, q[a:b:c] -> a new list, with list semantics (evaluates)."""
        raise NotImplementedError

    def iterator(self):
        """A streaming iterator: fetch() at the first next(), no read-ahead, no caching."""
        raise NotImplementedError

    def count(self) -> int:
        """len of the cache if filled, else count a fresh fetch() without caching."""
        raise NotImplementedError
