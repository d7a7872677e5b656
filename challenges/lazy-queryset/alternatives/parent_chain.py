# alternative: derived queries link to their parent object and ask it for a fresh stream, never for its cache
class _Stream:
    """A hand-written iterator: fetch() on the first __next__, then one row at a time."""

    def __init__(self, query):
        self._query = query
        self._rows = None
        self._done = False

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        if self._rows is None:
            self._rows = self._query._fresh()
        try:
            return next(self._rows)
        except StopIteration:
            self._done = True
            raise


class LazyQuery:
    def __init__(self, fetch, *, _parent=None, _step=None) -> None:
        self._fetch = fetch
        self._parent = _parent
        self._step = _step
        self._cache = None

    def filter(self, pred) -> "LazyQuery":
        return LazyQuery(self._fetch, _parent=self, _step=(True, pred))

    def map(self, fn) -> "LazyQuery":
        return LazyQuery(self._fetch, _parent=self, _step=(False, fn))

    def _fresh(self):
        """A new generator over fresh rows through every step, root first."""
        if self._parent is None:
            yield from self._fetch()
            return
        is_filter, function = self._step
        for row in self._parent._fresh():
            if is_filter:
                if function(row):
                    yield row
            else:
                yield function(row)

    def _cached(self):
        if self._cache is None:
            rows = list(self._fresh())
            self._cache = rows
        return self._cache

    def __iter__(self):
        return iter(self._cached())

    def __len__(self) -> int:
        return len(self._cached())

    def __bool__(self) -> bool:
        return bool(self._cached())

    def __getitem__(self, key):
        return self._cached()[key]

    def iterator(self):
        return _Stream(self)

    def count(self) -> int:
        if self._cache is not None:
            return len(self._cache)
        n = 0
        for _ in _Stream(self):
            n += 1
        return n
