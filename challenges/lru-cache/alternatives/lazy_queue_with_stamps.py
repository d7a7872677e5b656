# alternative: each use appends (stamp, key) to a deque; eviction skips stale entries; compacted when it grows

from collections import deque


class LRUCache:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.entries = {}  # key -> [value, stamp of its latest use]
        self.uses = deque()  # (stamp, key), oldest first; stale once the key has been used again or evicted
        self.clock = 0

    def _record_use(self, key, entry):
        self.clock += 1
        entry[1] = self.clock
        self.uses.append((self.clock, key))
        if len(self.uses) > 4 * self.capacity + 64:
            entries = self.entries
            self.uses = deque((stamp, k) for stamp, k in self.uses if k in entries and entries[k][1] == stamp)

    def get(self, key):
        entry = self.entries.get(key)
        if entry is None:
            return -1
        self._record_use(key, entry)
        return entry[0]

    def put(self, key, value) -> None:
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = [value, 0]
        else:
            entry[0] = value
        self._record_use(key, entry)
        entries = self.entries
        while len(entries) > self.capacity:
            stamp, oldest = self.uses.popleft()
            current = entries.get(oldest)
            if current is not None and current[1] == stamp:
                del entries[oldest]

    def __len__(self) -> int:
        return len(self.entries)
