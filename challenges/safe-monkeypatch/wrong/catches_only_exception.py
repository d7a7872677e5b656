# wrong: restores on return and in `except Exception`, so a BaseException leaves the patch in place
# max-percent: 90
"""try/except Exception instead of try/finally."""

import functools
import inspect

_ABSENT = object()


class _Entry:
    def __init__(self, target, name, value):
        self.target, self.name, self.value = target, name, value
        self.previous = vars(target).get(name, _ABSENT)
        setattr(target, name, value)

    def restore(self):
        if self.previous is not _ABSENT:
            setattr(self.target, self.name, self.previous)
        elif self.name in vars(self.target):
            delattr(self.target, self.name)


class patched:
    def __init__(self, target, name, value):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"not an identifier: {name!r}")
        self.target, self.name, self.value = target, name, value
        self._entries = []

    def __enter__(self):
        self._entries.append(_Entry(self.target, self.name, self.value))
        return self.value

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or issubclass(exc_type, Exception):
            self._entries.pop().restore()
        return False

    def __call__(self, function):
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args, **kwargs):
                entry = _Entry(self.target, self.name, self.value)
                try:
                    result = await function(*args, **kwargs)
                except Exception:
                    entry.restore()
                    raise
                entry.restore()
                return result

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            entry = _Entry(self.target, self.name, self.value)
            try:
                result = function(*args, **kwargs)
            except Exception:
                entry.restore()
                raise
            entry.restore()
            return result

        return wrapper
