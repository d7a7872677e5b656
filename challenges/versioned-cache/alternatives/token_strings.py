# alternative: string backend keys built from repr() (injective), and a fresh random token per namespace version

import functools
import inspect
import math
import time
import uuid


def _ttl_ok(ttl):
    if ttl is None:
        return
    if (isinstance(ttl, float) and math.isnan(ttl)) or ttl <= 0:
        raise ValueError("ttl must be > 0")


class VersionedCache:
    def __init__(self, backend=None, clock=time.monotonic):
        self.backend = backend if backend is not None else dict()
        self.clock = clock

    def _token(self, namespace):
        return self.backend.get("ns|" + repr(namespace), "initial")

    def _entry_key(self, namespace, what):
        token = "-" if namespace is None else self._token(namespace)
        return "e|" + token + "|" + repr(namespace) + "|" + repr(what)

    def _load(self, entry_key):
        if entry_key not in self.backend:
            return False, None
        value, expires = self.backend[entry_key]
        if expires is not None and not self.clock() < expires:
            self.backend.pop(entry_key)
            return False, None
        return True, value

    def _save(self, entry_key, value, ttl):
        self.backend[entry_key] = (value, None if ttl is None else self.clock() + ttl)

    def _key_entry(self, key):
        namespace = key.split(":", 1)[0] if ":" in key else None
        return self._entry_key(namespace, ("k", key))

    def get(self, key, default=None):
        found, value = self._load(self._key_entry(key))
        return value if found else default

    def set(self, key, value, ttl=None):
        _ttl_ok(ttl)
        self._save(self._key_entry(key), value, ttl)

    def delete(self, key):
        self.backend.pop(self._key_entry(key), None)

    def get_or_set(self, key, factory, ttl=None):
        _ttl_ok(ttl)
        entry_key = self._key_entry(key)
        found, value = self._load(entry_key)
        if not found:
            value = factory()
            self._save(entry_key, value, ttl)
        return value

    def incr_version(self, namespace):
        self.backend["ns|" + repr(namespace)] = uuid.uuid4().hex

    def cached(self, namespace, ttl=None):
        _ttl_ok(ttl)

        def wrap(func):
            sig = inspect.signature(func)
            label = func.__module__ + "." + func.__qualname__

            @functools.wraps(func)
            def inner(*args, **kwargs):
                call = sig.bind(*args, **kwargs)
                call.apply_defaults()
                parts = []
                for name, value in call.arguments.items():
                    if isinstance(value, dict):
                        value = sorted(value.items())
                    parts.append((name, value))
                entry_key = self._entry_key(namespace, ("f", label, parts))
                found, value = self._load(entry_key)
                if not found:
                    value = func(*args, **kwargs)
                    self._save(entry_key, value, ttl)
                return value

            return inner

        return wrap
