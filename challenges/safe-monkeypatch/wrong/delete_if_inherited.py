# wrong: "was it there" decided with hasattr on the class: a shadowing instance attribute is deleted
# max-percent: 88
"""Reasons "if the class provides it, the target only borrows it" and deletes the own copy."""

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
        target = self.target
        owner = target if isinstance(target, type) else type(target)
        if isinstance(target, type):
            inherited = any(self.name in vars(base) for base in target.__mro__[1:])
        else:
            inherited = hasattr(owner, self.name)
        previous = _ABSENT if inherited else vars(target).get(self.name, _ABSENT)
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
