# wrong: uses `backend or {}`, replacing a shared but still empty dict with a private one
# max-percent: 95

import functools
import inspect
import time

_MISSING = object()


def _check_ttl(ttl):
    if ttl is not None and not ttl > 0:  # `not >` also rejects nan
        raise ValueError("ttl must be a positive number of seconds or None")


def _namespace_of(key):
    namespace, colon, _ = key.partition(":")
    return namespace if colon else None


def _freeze(value):
    """A hashable stand-in for a bound argument (tuples and dicts from *args / **kwargs)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, tuple):
        return ("tuple", tuple(_freeze(v) for v in value))
    return ("value", type(value).__name__, value)


class VersionedCache:
    def __init__(self, backend=None, clock=time.monotonic):
        self.backend = backend or {}
        self.clock = clock

    # ------------------------------------------------------------ internals

    def _version(self, namespace):
        return self.backend.get(("version", namespace), 0)

    def _slot(self, namespace, ident):
        if namespace is None:
            return ("entry", None, None, ident)
        return ("entry", namespace, self._version(namespace), ident)

    def _read(self, namespace, ident):
        slot = self._slot(namespace, ident)
        stored = self.backend.get(slot, _MISSING)
        if stored is _MISSING:
            return _MISSING
        value, expires_at = stored
        if expires_at is not None and self.clock() >= expires_at:
            self.backend.pop(slot, None)
            return _MISSING
        return value

    def _write(self, namespace, ident, value, ttl):
        expires_at = None if ttl is None else self.clock() + ttl
        self.backend[self._slot(namespace, ident)] = (value, expires_at)

    # ------------------------------------------------------------ public API

    def get(self, key, default=None):
        value = self._read(_namespace_of(key), ("key", key))
        return default if value is _MISSING else value

    def set(self, key, value, ttl=None):
        _check_ttl(ttl)
        self._write(_namespace_of(key), ("key", key), value, ttl)

    def delete(self, key):
        self.backend.pop(self._slot(_namespace_of(key), ("key", key)), None)

    def get_or_set(self, key, factory, ttl=None):
        _check_ttl(ttl)
        namespace, ident = _namespace_of(key), ("key", key)
        value = self._read(namespace, ident)
        if value is _MISSING:
            value = factory()
            self._write(namespace, ident, value, ttl)
        return value

    def incr_version(self, namespace):
        self.backend[("version", namespace)] = self._version(namespace) + 1

    def cached(self, namespace, ttl=None):
        _check_ttl(ttl)

        def decorate(func):
            signature = inspect.signature(func)
            name = f"{func.__module__}.{func.__qualname__}"

            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                ident = ("call", name, tuple((k, _freeze(v)) for k, v in bound.arguments.items()))
                value = self._read(namespace, ident)
                if value is _MISSING:
                    value = func(*args, **kwargs)
                    self._write(namespace, ident, value, ttl)
                return value

            return wrapper

        return decorate
