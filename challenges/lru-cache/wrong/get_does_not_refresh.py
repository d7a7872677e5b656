# wrong: a hit in get does not make the key most recently used (first-in-first-out eviction for reads)
# max-percent: 75

from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.store = OrderedDict()

    def get(self, key):
        return self.store.get(key, -1)

    def put(self, key, value):
        if key in self.store:
            self.store.move_to_end(key)
        self.store[key] = value
        if len(self.store) > self.capacity:
            self.store.popitem(last=False)

    def __len__(self):
        return len(self.store)
