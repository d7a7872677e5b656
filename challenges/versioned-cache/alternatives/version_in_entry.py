# alternative: entries stay under a fixed backend key and carry the namespace version they were written at

import functools
import inspect
import time

_ABSENT = object()


class VersionedCache:
    def __init__(self, backend=None, clock=time.monotonic):
        if backend is None:
            backend = {}
        self.backend = backend
        self.clock = clock

    @staticmethod
    def _valid_ttl(ttl):
        if ttl is None:
            return None
        if not (ttl > 0):
            raise ValueError(f"invalid ttl {ttl!r}")
        return ttl

    @staticmethod
    def _namespace(key):
        if ":" not in key:
            return None
        return key[: key.index(":")]

    def _current(self, namespace):
        if namespace is None:
            return None
        return self.backend.get(("ver", namespace), 0)

    def _fetch(self, slot, namespace):
        record = self.backend.get(slot)
        if record is None:
            return _ABSENT
        version, deadline, value = record
        if version != self._current(namespace):
            return _ABSENT
        if deadline is not None and self.clock() >= deadline:
            del self.backend[slot]
            return _ABSENT
        return value

    def _put(self, slot, namespace, value, ttl):
        deadline = self.clock() + ttl if ttl is not None else None
        self.backend[slot] = (self._current(namespace), deadline, value)

    def get(self, key, default=None):
        value = self._fetch(("key", key), self._namespace(key))
        return default if value is _ABSENT else value

    def set(self, key, value, ttl=None):
        ttl = self._valid_ttl(ttl)
        self._put(("key", key), self._namespace(key), value, ttl)

    def delete(self, key):
        if ("key", key) in self.backend:
            del self.backend[("key", key)]

    def get_or_set(self, key, factory, ttl=None):
        ttl = self._valid_ttl(ttl)
        value = self._fetch(("key", key), self._namespace(key))
        if value is _ABSENT:
            value = factory()
            self._put(("key", key), self._namespace(key), value, ttl)
        return value

    def incr_version(self, namespace):
        self.backend[("ver", namespace)] = self._current(namespace) + 1

    def cached(self, namespace, ttl=None):
        ttl = self._valid_ttl(ttl)

        def decorator(func):
            signature = inspect.signature(func)
            kinds = {name: p.kind for name, p in signature.parameters.items()}

            def normal(name, value):
                if kinds[name] is inspect.Parameter.VAR_KEYWORD:
                    return tuple(sorted(value.items()))
                return value

            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                arguments = tuple((name, normal(name, value)) for name, value in bound.arguments.items())
                slot = ("fn", namespace, func.__module__, func.__qualname__, arguments)
                value = self._fetch(slot, namespace)
                if value is _ABSENT:
                    value = func(*bound.args, **bound.kwargs)
                    self._put(slot, namespace, value, ttl)
                return value

            return wrapper

        return decorator
