# wrong: the decorator records what was there when it decorates, not when the function is called
# max-percent: 90
"""Each call patches and restores, but restores the state seen at decoration time."""

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

    def _current(self):
        return vars(self.target).get(self.name, _ABSENT)

    def _restore(self, previous):
        if previous is not _ABSENT:
            setattr(self.target, self.name, previous)
        elif self.name in vars(self.target):
            delattr(self.target, self.name)

    def __enter__(self):
        previous = self._current()
        setattr(self.target, self.name, self.value)
        self._saved.append(previous)
        return self.value

    def __exit__(self, exc_type, exc, tb):
        self._restore(self._saved.pop())
        return False

    def __call__(self, function):
        snapshot = self._current()

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args, **kwargs):
                setattr(self.target, self.name, self.value)
                try:
                    return await function(*args, **kwargs)
                finally:
                    self._restore(snapshot)

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            setattr(self.target, self.name, self.value)
            try:
                return function(*args, **kwargs)
            finally:
                self._restore(snapshot)

        return wrapper
