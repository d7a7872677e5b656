# wrong: the async wrapper is a plain function returning a coroutine, so iscoroutinefunction is False
# max-percent: 98
"""Patches correctly while the coroutine runs, but the wrapper no longer looks like an async function."""

import functools
import inspect

_ABSENT = object()


class patched:
    def __init__(self, target, name, value):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"not an identifier: {name!r}")
        self.target = target
        self.name = name
        self.value = value
        self._saved = []

    def __enter__(self):
        previous = vars(self.target).get(self.name, _ABSENT)
        setattr(self.target, self.name, self.value)
        self._saved.append(previous)
        return self.value

    def __exit__(self, exc_type, exc, tb):
        previous = self._saved.pop()
        if previous is not _ABSENT:
            setattr(self.target, self.name, previous)
        elif self.name in vars(self.target):
            delattr(self.target, self.name)
        return False

    async def _run(self, function, args, kwargs):
        with self:
            return await function(*args, **kwargs)

    def __call__(self, function):
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            def async_wrapper(*args, **kwargs):
                return self._run(function, args, kwargs)

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return wrapper
