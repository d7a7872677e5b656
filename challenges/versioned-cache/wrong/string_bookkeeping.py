# wrong: stores each value under the user's own key and the version under "<namespace>:__version__", which a user key can overwrite
# max-percent: 90

import functools
import inspect
import time


def _check_ttl(ttl):
    if ttl is not None and not ttl > 0:
        raise ValueError("bad ttl")


def _namespace_of(key):
    return key.split(":", 1)[0] if ":" in key else None


class VersionedCache:
    def __init__(self, backend=None, clock=time.monotonic):
        self.backend = {} if backend is None else backend
        self.clock = clock

    def _version(self, namespace):
        if namespace is None:
            return 0
        return self.backend.get(f"{namespace}:__version__", 0)

    def _lookup(self, key):
        if key not in self.backend:
            return False, None
        version, expires_at, value = self.backend[key]
        if version != self._version(_namespace_of(key)):
            return False, None
        if expires_at is not None and self.clock() >= expires_at:
            return False, None
        return True, value

    def _store(self, key, value, ttl):
        expires_at = None if ttl is None else self.clock() + ttl
        self.backend[key] = (self._version(_namespace_of(key)), expires_at, value)

    def get(self, key, default=None):
        hit, value = self._lookup(key)
        return value if hit else default

    def set(self, key, value, ttl=None):
        _check_ttl(ttl)
        self._store(key, value, ttl)

    def delete(self, key):
        self.backend.pop(key, None)

    def get_or_set(self, key, factory, ttl=None):
        _check_ttl(ttl)
        hit, value = self._lookup(key)
        if not hit:
            value = factory()
            self._store(key, value, ttl)
        return value

    def incr_version(self, namespace):
        self.backend[f"{namespace}:__version__"] = self._version(namespace) + 1

    def cached(self, namespace, ttl=None):
        _check_ttl(ttl)

        def decorate(func):
            signature = inspect.signature(func)

            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                key = f"{namespace}:{func.__module__}.{func.__qualname__}{sorted(bound.arguments.items())!r}"
                hit, value = self._lookup(key)
                if not hit:
                    value = func(*args, **kwargs)
                    self._store(key, value, ttl)
                return value

            return wrapper

        return decorate
