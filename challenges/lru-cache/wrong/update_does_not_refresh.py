# wrong: putting an existing key replaces its value but leaves its place in the recency order unchanged
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
        self.store[key] = value
        if len(self.store) > self.capacity:
            self.store.popitem(last=False)

    def __len__(self):
        return len(self.store)
