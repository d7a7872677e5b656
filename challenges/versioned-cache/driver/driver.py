"""Driver for versioned-cache: adapters that must live next to the submission.

- `Backend` is the mapping the tests hand to `VersionedCache`. The test process can
  answer calls but not item assignment or deletion, so this adapter turns each of the
  six allowed operations (get, [], []=, in, del, pop) into one call of a `store`
  callback that lives in the test process, where the data is kept and every operation
  is counted. It deliberately has no other method: no iteration, no len, no keys().
- `decorate` applies `cache.cached(...)` to functions defined here, because the
  decorator needs a real function (with a signature) to wrap. Each function only
  forwards its arguments to a `recorder` callback in the test process.

No expected value lives in this file.
"""

import solution


class Backend:
    __slots__ = ("_store",)

    def __init__(self, store):
        self._store = store

    def get(self, key, default=None):
        return self._store("get", key, default)

    def __getitem__(self, key):
        return self._store("getitem", key)

    def __setitem__(self, key, value):
        self._store("setitem", key, value)

    def __contains__(self, key):
        return self._store("contains", key)

    def __delitem__(self, key):
        self._store("delitem", key)

    def pop(self, key, *default):
        return self._store("pop", key, *default)


def make_backend(store):
    return Backend(store)


def make_cache(store=None, clock=None):
    """A VersionedCache over a Backend(store), or over its default backend when store is None."""
    kwargs = {}
    if store is not None:
        kwargs["backend"] = Backend(store)
    if clock is not None:
        kwargs["clock"] = clock
    return solution.VersionedCache(**kwargs)


def caches_sharing_a_plain_dict(count, clock=None):
    """`count` caches built on one and the same empty dict (which never leaves this process)."""
    shared = {}
    if clock is None:
        return tuple(solution.VersionedCache(shared) for _ in range(count))
    return tuple(solution.VersionedCache(shared, clock) for _ in range(count))


# ---------------------------------------------------------------- functions to decorate
# `recorder` is set per decoration (see `decorate`); each function reports its
# arguments, as bound by Python itself, and returns what the recorder returns.


def price(item, qty=1, *, currency="EUR"):
    return _recorders["price"]("price", item, qty, currency)


def stock(item, qty=1, *, currency="EUR"):
    return _recorders["stock"]("stock", item, qty, currency)


def scale(a=1):
    return _recorders["scale"]("scale", a)


def report(title, *parts, **options):
    return _recorders["report"]("report", title, list(parts), options)


def config():
    return _recorders["config"]("config")


_FUNCTIONS = {f.__name__: f for f in (price, stock, scale, report, config)}
_recorders = {}


def decorate(cache, namespace, function, recorder, ttl=None):
    """cache.cached(namespace[, ttl])(one of the functions above), reporting to `recorder`."""
    _recorders[function] = recorder
    decorator = cache.cached(namespace) if ttl is None else cache.cached(namespace, ttl=ttl)
    return decorator(_FUNCTIONS[function])
