# alternative: each query holds a "source" closure that builds a fresh pipeline of builtin filter()/map() objects
import builtins
import operator


class LazyQuery:
    def __init__(self, fetch) -> None:
        self._source = lambda: iter(fetch())
        self._result = None
        self._have_result = False

    @classmethod
    def _from_source(cls, source):
        query = cls.__new__(cls)
        query._source = source
        query._result = None
        query._have_result = False
        return query

    def filter(self, pred) -> "LazyQuery":
        parent = self._source
        return self._from_source(lambda: builtins.filter(lambda row: pred(row), parent()))

    def map(self, fn) -> "LazyQuery":
        parent = self._source
        return self._from_source(lambda: builtins.map(fn, parent()))

    def _evaluate(self):
        if not self._have_result:
            rows = []
            rows.extend(self._source())
            self._result, self._have_result = rows, True
        return self._result

    def __iter__(self):
        yield from self._evaluate()

    def __len__(self) -> int:
        return len(self._evaluate())

    def __bool__(self) -> bool:
        return len(self._evaluate()) != 0

    def __getitem__(self, key):
        rows = self._evaluate()
        if isinstance(key, slice):
            return [rows[i] for i in range(*key.indices(len(rows)))]
        index = operator.index(key)
        if index < 0:
            index += len(rows)
        if not 0 <= index < len(rows):
            raise IndexError("LazyQuery index out of range")
        return rows[index]

    def iterator(self):
        source = self._source

        def stream():
            yield from source()  # the pipeline (and fetch()) is built at the first next()

        return stream()

    def count(self) -> int:
        if self._have_result:
            return len(self._result)
        return sum(1 for _ in self._source())
