# wrong: keeps a per-namespace key index in the backend and deletes every key on incr_version (O(n) backend operations)
# max-percent: 95

import functools
import inspect
import time

_MISSING = object()


def _check_ttl(ttl):
    if ttl is not None and not ttl > 0:
        raise ValueError("bad ttl")


def _namespace_of(key):
    namespace, colon, _ = key.partition(":")
    return namespace if colon else None


class VersionedCache:
    def __init__(self, backend=None, clock=time.monotonic):
        self.backend = {} if backend is None else backend
        self.clock = clock

    def _read(self, slot):
        stored = self.backend.get(slot, _MISSING)
        if stored is _MISSING:
            return _MISSING
        value, expires_at = stored
        if expires_at is not None and self.clock() >= expires_at:
            return _MISSING
        return value

    def _write(self, namespace, slot, value, ttl):
        self.backend[slot] = (value, None if ttl is None else self.clock() + ttl)
        if namespace is not None:
            index = self.backend.get(("index", namespace), ())
            if slot not in index:
                self.backend[("index", namespace)] = index + (slot,)

    def get(self, key, default=None):
        value = self._read(("entry", key))
        return default if value is _MISSING else value

    def set(self, key, value, ttl=None):
        _check_ttl(ttl)
        self._write(_namespace_of(key), ("entry", key), value, ttl)

    def delete(self, key):
        self.backend.pop(("entry", key), None)

    def get_or_set(self, key, factory, ttl=None):
        _check_ttl(ttl)
        value = self._read(("entry", key))
        if value is _MISSING:
            value = factory()
            self._write(_namespace_of(key), ("entry", key), value, ttl)
        return value

    def incr_version(self, namespace):
        for slot in self.backend.pop(("index", namespace), ()):
            self.backend.pop(slot, None)

    def cached(self, namespace, ttl=None):
        _check_ttl(ttl)

        def decorate(func):
            signature = inspect.signature(func)

            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                slot = ("call", namespace, func.__qualname__, repr(sorted((k, sorted(v.items()) if isinstance(v, dict) else v) for k, v in bound.arguments.items())))
                value = self._read(slot)
                if value is _MISSING:
                    value = func(*args, **kwargs)
                    self._write(namespace, slot, value, ttl)
                return value

            return wrapper

        return decorate
