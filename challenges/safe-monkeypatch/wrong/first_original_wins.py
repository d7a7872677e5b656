# wrong: a global registry keeps the first original per attribute: inner patches restore the outermost one
# max-percent: 85
"""Remembers "the real original" once, which breaks every nested patch of the same attribute."""

import functools
import inspect

_ABSENT = object()
_ORIGINALS = {}
_DEPTH = {}


class patched:
    def __init__(self, target, name, value):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"not an identifier: {name!r}")
        self.target = target
        self.name = name
        self.value = value

    def _key(self):
        return (id(self.target), self.name)

    def __enter__(self):
        key = self._key()
        if key not in _ORIGINALS:
            _ORIGINALS[key] = vars(self.target).get(self.name, _ABSENT)
        _DEPTH[key] = _DEPTH.get(key, 0) + 1
        setattr(self.target, self.name, self.value)
        return self.value

    def __exit__(self, exc_type, exc, tb):
        key = self._key()
        original = _ORIGINALS[key]
        _DEPTH[key] -= 1
        if not _DEPTH[key]:
            del _ORIGINALS[key], _DEPTH[key]
        if original is not _ABSENT:
            setattr(self.target, self.name, original)
        elif self.name in vars(self.target):
            delattr(self.target, self.name)
        return False

    def __call__(self, function):
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args, **kwargs):
                with self:
                    return await function(*args, **kwargs)

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return wrapper
