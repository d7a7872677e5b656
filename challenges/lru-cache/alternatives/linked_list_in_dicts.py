# alternative: the doubly linked recency list lives in two dicts (key -> older key, key -> newer key), with a sentinel


class _Sentinel:
    """The list's head and tail marker; never equal to a user key."""


class LRUCache:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._values = {}
        self._end = _Sentinel()
        # _newer[k] is the next more recently used key; _older[k] the next less recently used one.
        self._newer = {self._end: self._end}
        self._older = {self._end: self._end}

    def _detach(self, key):
        older, newer = self._older.pop(key), self._newer.pop(key)
        self._newer[older] = newer
        self._older[newer] = older

    def _append_newest(self, key):
        newest = self._older[self._end]
        self._newer[newest] = key
        self._older[key] = newest
        self._newer[key] = self._end
        self._older[self._end] = key

    def get(self, key):
        if key not in self._values:
            return -1
        self._detach(key)
        self._append_newest(key)
        return self._values[key]

    def put(self, key, value) -> None:
        if key in self._values:
            self._detach(key)
        self._values[key] = value
        self._append_newest(key)
        if len(self._values) > self._capacity:
            oldest = self._newer[self._end]
            self._detach(oldest)
            del self._values[oldest]

    def __len__(self) -> int:
        return len(self._values)
