"""Versioned cache: see prompt.md for the rules the grader checks."""

import time


class VersionedCache:
    def __init__(self, backend=None, clock=time.monotonic):
        """Keep every piece of state in `backend` (a new dict when None); `clock()` gives the time in seconds."""
        raise NotImplementedError

    def get(self, key, default=None):
        """The value stored for `key`, or `default` on a miss (a stored None is a hit)."""
        raise NotImplementedError

    def set(self, key, value, ttl=None):
        """Store `value`; with a ttl (> 0, else ValueError) it is a miss from now + ttl on."""
        raise NotImplementedError

    def delete(self, key):
        """Forget `key` (no error if it is not there)."""
        raise NotImplementedError

    def get_or_set(self, key, factory, ttl=None):
        """The stored value on a hit; on a miss, store and return factory()."""
        raise NotImplementedError

    def incr_version(self, namespace):
        """Make every key of `namespace` set so far a miss, in O(1) backend operations."""
        raise NotImplementedError

    def cached(self, namespace, ttl=None):
        """Decorator caching a function's results under `namespace`, one entry per bound arguments."""
        raise NotImplementedError
