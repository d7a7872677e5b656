# wrong: the seed's OrderedDict idea, rewritten: it never rejects a capacity below 1
# max-percent: 85

from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        self._limit = capacity
        self._entries = OrderedDict()

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        try:
            value = self._entries.pop(key)
        except KeyError:
            return -1
        self._entries[key] = value  # re-inserted: now the newest
        return value

    def put(self, key, value):
        self._entries.pop(key, None)
        self._entries[key] = value
        while len(self._entries) > self._limit:
            oldest = next(iter(self._entries))
            del self._entries[oldest]
