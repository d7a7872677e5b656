# wrong: tests the stored value's truthiness to detect a miss, so values such as 0, None or "" read as -1
# max-percent: 65

from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.store = OrderedDict()

    def get(self, key):
        value = self.store.get(key)
        if not value:
            return -1
        self.store.move_to_end(key)
        return value

    def put(self, key, value):
        self.store[key] = value
        self.store.move_to_end(key)
        if len(self.store) > self.capacity:
            self.store.popitem(last=False)

    def __len__(self):
        return len(self.store)
