# wrong: put on a key already cached replaces the value in place: the key keeps its old recency and may be evicted next
# max-percent: 70


class LRUCache:
    """Recency is the insertion order of a plain dict: oldest first."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.entries = {}

    def get(self, key):
        if key not in self.entries:
            return -1
        value = self.entries.pop(key)
        self.entries[key] = value  # re-inserted: now the most recent
        return value

    def put(self, key, value):
        if key in self.entries:
            self.entries[key] = value  # the value changes, its place in the order does not
            return
        self.entries[key] = value
        if len(self.entries) > self.capacity:
            del self.entries[next(iter(self.entries))]

    def __len__(self):
        return len(self.entries)
