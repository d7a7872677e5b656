# alternative: a factory function; each entry runs its own @contextmanager generator, kept on a stack
"""Each `with` (and each call of a decorated function) gets a fresh generator-based context manager."""

import contextlib
import functools
import inspect

_NOTHING = object()


@contextlib.contextmanager
def _one_patch(target, name, value):
    own = target.__dict__
    had = name in own
    old = own[name] if had else _NOTHING
    setattr(target, name, value)
    try:
        yield value
    finally:
        if had:
            setattr(target, name, old)
        elif name in target.__dict__:
            delattr(target, name)


class _Patcher:
    def __init__(self, target, name, value):
        self._args = (target, name, value)
        self._active = []

    def __enter__(self):
        manager = _one_patch(*self._args)
        entered = manager.__enter__()
        self._active.append(manager)
        return entered

    def __exit__(self, *exc_info):
        return self._active.pop().__exit__(*exc_info)

    def __call__(self, function):
        args = self._args
        if inspect.iscoroutinefunction(function):

            async def run_async(*a, **kw):
                with _one_patch(*args):
                    return await function(*a, **kw)

            return functools.update_wrapper(run_async, function)

        def run(*a, **kw):
            with _one_patch(*args):
                return function(*a, **kw)

        return functools.update_wrapper(run, function)


def patched(target, name, value):
    if type(name) is not str or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    return _Patcher(target, name, value)
