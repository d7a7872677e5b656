"""A sample candidate submission for lru-cache: right answers, wrong complexity.

It keeps recency in a list, so every access scans the list: correct results,
but linear time per operation, which the hidden performance test catches.
"""


class LRUCache:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.values = {}
        self.order = []  # least recently used first

    def _touch(self, key):
        if key in self.values:
            self.order.remove(key)
        self.order.append(key)

    def get(self, key):
        if key not in self.values:
            return -1
        self._touch(key)
        return self.values[key]

    def put(self, key, value):
        self._touch(key)
        self.values[key] = value
        if len(self.values) > self.capacity:
            oldest = self.order.pop(0)
            del self.values[oldest]

    def __len__(self):
        return len(self.values)
