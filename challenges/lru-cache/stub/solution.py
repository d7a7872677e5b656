"""LRU cache: see prompt.md for the rules the grader checks."""


class LRUCache:
    def __init__(self, capacity: int) -> None:
        """Create an empty cache holding at most `capacity` keys (ValueError if < 1)."""
        raise NotImplementedError

    def get(self, key):
        """Return the value for `key` (marking it most recently used), or -1 if absent."""
        raise NotImplementedError

    def put(self, key, value) -> None:
        """Store `value` under `key`, mark it most recently used, evict the LRU key if over capacity."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of keys stored."""
        raise NotImplementedError
