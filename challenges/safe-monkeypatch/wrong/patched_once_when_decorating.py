# wrong: the decorator applies the patch when it decorates and removes it after the first call
# max-percent: 70
"""Enters at decoration time, exits when the decorated function first returns."""

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
        if not self._saved:
            return False
        previous = self._saved.pop()
        if previous is not _ABSENT:
            setattr(self.target, self.name, previous)
        elif self.name in vars(self.target):
            delattr(self.target, self.name)
        return False

    def __call__(self, function):
        self.__enter__()

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args, **kwargs):
                try:
                    return await function(*args, **kwargs)
                finally:
                    self.__exit__(None, None, None)

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            finally:
                self.__exit__(None, None, None)

        return wrapper
