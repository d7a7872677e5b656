# alternative: collections.OrderedDict keeps the recency order (move_to_end on use, popitem(last=False) to evict)

from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.entries = OrderedDict()

    def get(self, key):
        try:
            self.entries.move_to_end(key)
        except KeyError:
            return -1
        return self.entries[key]

    def put(self, key, value) -> None:
        self.entries[key] = value
        self.entries.move_to_end(key)
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self.entries)
