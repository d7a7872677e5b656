# wrong: evicts the least recently used key whenever the cache is full, even when the put only updates an existing key
# max-percent: 70

from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.store = OrderedDict()

    def get(self, key):
        if key not in self.store:
            return -1
        self.store.move_to_end(key)
        return self.store[key]

    def put(self, key, value):
        if len(self.store) >= self.capacity:
            self.store.popitem(last=False)
        self.store[key] = value
        self.store.move_to_end(key)

    def __len__(self):
        return len(self.store)
