# wrong: a derived query runs its last step over the parent's cache when the parent is evaluated
# max-percent: 95

_FILTER = "filter"
_MAP = "map"


class LazyQuery:
    def __init__(self, fetch) -> None:
        self._fetch = fetch
        self._steps = ()
        self._cache = None  # None: not evaluated; a list once evaluated

    def _derive(self, step):
        child = LazyQuery(self._fetch)
        child._steps = self._steps + (step,)
        child._parent = self
        return child

    def filter(self, pred) -> "LazyQuery":
        return self._derive((_FILTER, pred))

    def map(self, fn) -> "LazyQuery":
        return self._derive((_MAP, fn))

    def _stream(self):
        """Generator over fresh rows: fetch() runs at the first next(), rows are pulled one by one."""
        steps = self._steps
        for row in self._fetch():
            for kind, function in steps:
                if kind is _FILTER:
                    if not function(row):
                        break
                else:
                    row = function(row)
            else:
                yield row

    def _rows(self):
        parent = getattr(self, "_parent", None)
        if self._cache is None and parent is not None and parent._cache is not None:
            kind, function = self._steps[-1]
            if kind is _FILTER:
                self._cache = [row for row in parent._cache if function(row)]
            else:
                self._cache = [function(row) for row in parent._cache]
        if self._cache is None:
            self._cache = list(self._stream())  # assigned only when the whole read succeeded
        return self._cache

    def __iter__(self):
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())

    def __bool__(self) -> bool:
        return bool(self._rows())

    def __getitem__(self, key):
        return self._rows()[key]

    def iterator(self):
        return self._stream()

    def count(self) -> int:
        if self._cache is not None:
            return len(self._cache)
        total = 0
        for _ in self._stream():
            total += 1
        return total
